using System.Diagnostics;

namespace Mxcp.IntegrationTests.Support;

/// <summary>A project folder in a temp directory (a copy of a sample, or an empty one), and a way to run mxcp in it.</summary>
internal sealed class TestProject : IDisposable
{
    private TestProject(string root)
    {
        Root = root;
        Home = System.IO.Path.Combine(root, ".home");
        Directory.CreateDirectory(Home);
    }

    public string Root { get; }

    /// <summary>HOME of the child process, so that no ~/.mxcp/config.yml of the machine leaks in.</summary>
    public string Home { get; }

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public static TestProject Empty()
    {
        var root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mxcp-it", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        return new TestProject(root);
    }

    /// <summary>A copy of samples/&lt;name&gt; with its data set up (sql/setup.sql run through mxcp query).</summary>
    public static TestProject Sample(string name = "sales") =>
        Sample(name, System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mxcp-it", Guid.NewGuid().ToString("N")), MxcpExecutable.Path);

    /// <summary>
    /// A copy of samples/&lt;name&gt; in <paramref name="root"/> with its data set up by <paramref name="mxcp"/>, as
    /// run-sample.sh does (<c>mxcp query --file sql/setup.sql</c>).
    /// </summary>
    public static TestProject Sample(string name, string root, string mxcp)
    {
        Directory.CreateDirectory(root);
        var project = new TestProject(root);
        CopyDirectory(System.IO.Path.Combine(Repository.Root, "samples", name), project.Root);
        var setup = project.RunExecutable(mxcp, project.Root, "query", "--file", "sql/setup.sql");
        if (setup.ExitCode != 0)
        {
            throw new InvalidOperationException("sample setup failed: " + setup);
        }

        return project;
    }

    public string Write(string relativePath, string content)
    {
        var path = System.IO.Path.Combine(Root, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public CliResult Run(params string[] args) => RunIn(Root, args);

    /// <summary>Runs mxcp with extra environment variables for this run only.</summary>
    public CliResult RunWith(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var saved = new Dictionary<string, string>(Environment);
        foreach (var (key, value) in environment)
        {
            Environment[key] = value;
        }

        try
        {
            return RunIn(Root, args);
        }
        finally
        {
            Environment.Clear();
            foreach (var (key, value) in saved)
            {
                Environment[key] = value;
            }
        }
    }

    public CliResult RunIn(string workingDirectory, params string[] args) => Execute(MxcpExecutable.Path, workingDirectory, input: null, args);

    /// <summary>Runs another mxcp executable (an installed tool, for example) in this project.</summary>
    public CliResult RunExecutable(string executable, string workingDirectory, params string[] args) => Execute(executable, workingDirectory, input: null, args);

    /// <summary>Runs mxcp with <paramref name="input"/> on its standard input (then closed).</summary>
    public CliResult RunWithInput(string input, params string[] args) => Execute(MxcpExecutable.Path, Root, input, args);

    private CliResult Execute(string executable, string workingDirectory, string? input, string[] args)
    {
        var psi = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        ApplyEnvironment(psi.Environment);
        using var process = Process.Start(psi)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mxcp {string.Join(' ', args)} did not finish");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public void ApplyEnvironment(IDictionary<string, string?> environment)
    {
        foreach (var key in environment.Keys.Where(k => k.StartsWith("MXCP_", StringComparison.Ordinal)).ToList())
        {
            environment.Remove(key);
        }

        environment["HOME"] = Home;
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in Environment)
        {
            environment[key] = value;
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".duckdb", StringComparison.Ordinal) || file.EndsWith(".wal", StringComparison.Ordinal))
            {
                continue;
            }

            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal), overwrite: true);
        }
    }
}
