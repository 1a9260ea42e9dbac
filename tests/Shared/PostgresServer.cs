using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mxcp.Tests.Shared;

/// <summary>
/// A private PostgreSQL cluster for tests: <c>initdb</c> in a temporary folder and <c>pg_ctl start</c> on a free loopback
/// port, with password (SCRAM) authentication over TCP. The binaries come from Debian's <c>postgresql</c> package
/// (<c>/usr/lib/postgresql/&lt;version&gt;/bin</c>, or <c>MXCP_TEST_PG_BIN</c>); <c>.ci/run</c> installs it. When running as
/// root, the cluster runs as the <c>postgres</c> user (PostgreSQL refuses root). Without the binaries the tests are
/// skipped on a developer machine and fail under CI (<c>CI=true</c>).
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string User = "mxcp";
    public const string Password = "mxcp-test-Pa55word";

    private readonly string? _bin;
    private readonly string _root;
    private readonly bool _asPostgresUser;
    private bool _started;

    public PostgresServer()
    {
        _root = Path.Combine(Path.GetTempPath(), "mxcp-pg-" + Guid.NewGuid().ToString("N")[..12]);
        _bin = FindBinaries();
        _asPostgresUser = Environment.UserName == "root";
        if (_bin is null)
        {
            Unavailable = "PostgreSQL server binaries not found (install Debian's postgresql: apt-get install -y postgresql, or set MXCP_TEST_PG_BIN)";
            return;
        }

        try
        {
            Start();
        }
        catch (Exception e)
        {
            Unavailable = "could not start a private PostgreSQL cluster: " + e.Message;
        }
    }

    /// <summary>Why no server is available, or <see langword="null"/> when it runs.</summary>
    public string? Unavailable { get; }

    public int Port { get; private set; }

    /// <summary>Skips the calling test (or fails it under CI) when there is no server.</summary>
    public void Require()
    {
        if (Unavailable is null)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(Unavailable);
        }

        Assert.Skip(Unavailable);
    }

    /// <summary>The connection string of a new, empty database.</summary>
    public string CreateDatabase()
    {
        Require();
        var name = "mxcp_" + Guid.NewGuid().ToString("N")[..16];
        Run(Path.Combine(_bin!, "createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", User, name], password: true);
        return ConnectionString(name);
    }

    public string ConnectionString(string database, string? password = Password) =>
        $"Host=127.0.0.1;Port={Port};Username={User};Password={password};Database={database};Pooling=true;Timeout=15";

    public void Dispose()
    {
        if (_started)
        {
            try
            {
                Run(Path.Combine(_bin!, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "stop"], asPostgres: true);
            }
            catch (InvalidOperationException)
            {
            }
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string? FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("MXCP_TEST_PG_BIN") is { Length: > 0 } configured)
        {
            return File.Exists(Path.Combine(configured, "initdb")) ? configured : null;
        }

        const string debian = "/usr/lib/postgresql";
        if (!Directory.Exists(debian))
        {
            return null;
        }

        return Directory.EnumerateDirectories(debian)
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
            .FirstOrDefault();
    }

    private void Start()
    {
        Directory.CreateDirectory(_root);
        var passwordFile = Path.Combine(_root, "password");
        File.WriteAllText(passwordFile, Password + "\n");
        if (_asPostgresUser)
        {
            Run("chown", ["-R", "postgres", _root]);
        }

        var data = Path.Combine(_root, "data");
        Run(Path.Combine(_bin!, "initdb"),
            ["-D", data, "-U", User, "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + passwordFile, "--no-locale", "-E", "UTF8", "--no-sync"],
            asPostgres: true);

        // A port that was free a moment ago; a clash (another cluster took it meanwhile) is retried with a new one.
        for (var attempt = 0; ; attempt++)
        {
            Port = LoopbackPort.Free();
            try
            {
                Run(Path.Combine(_bin!, "pg_ctl"),
                    ["-D", data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "start",
                     "-o", $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"],
                    asPostgres: true);
                _started = true;
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    private void Run(string file, string[] args, bool asPostgres = false, bool password = false)
    {
        var psi = asPostgres && _asPostgresUser ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. args]) : new ProcessStartInfo(file, args);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.WorkingDirectory = _root;
        if (password)
        {
            psi.Environment["PGPASSWORD"] = Password;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(file)} timed out");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({process.ExitCode}): {stdout.Result} {stderr.Result}".Trim());
        }
    }
}
