using System.Text.Json;
using Mxcp.Plugins.Shared;
using Mxcp.Tests.Shared;

namespace Mxcp.Plugins.OnePassword.Tests;

/// <summary>
/// Without <c>connect_host</c> the provider runs the op CLI found on PATH. The 1Password CLI cannot be installed here:
/// a stand-in script named <c>op</c> answers <c>op read</c> as the CLI documents it (value on stdout, <c>[ERROR]</c> line on
/// stderr and exit code 1) and records its arguments and the token it was given.
/// </summary>
public sealed class OpCliTests : IDisposable
{
    private const string Token = "ops_eyJzaWduSW5BZGRyZXNz";

    private readonly string _bin = Path.Combine(Path.GetTempPath(), "mxcp-op-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal) { ["OP_SERVICE_ACCOUNT_TOKEN"] = Token };
    private readonly RecordingLogger _logger = new();
    private readonly OnePasswordSecretProvider _provider;

    public OpCliTests()
    {
        Directory.CreateDirectory(_bin);
        _environment["PATH"] = _bin;
        _provider = new OnePasswordSecretProvider(BoundedHttp.CreateClient(), name => _environment.GetValueOrDefault(name), TimeProvider.System, _logger);
        WriteOp($$"""
            if [ "$OP_SERVICE_ACCOUNT_TOKEN" != "{{Token}}" ]; then
              echo "[ERROR] 2026/03/01 12:00:00 authentication failed: invalid service account token" >&2; exit 1
            fi
            case "$3" in
              'op://Production/Database/password') printf 'cli-Pa55word' ;;
              'op://Production/Database/one-time password?attribute=otp') printf '424242' ;;
              *) echo "[ERROR] 2026/03/01 12:00:00 could not read secret '$3': could not find item in vault" >&2; exit 1 ;;
            esac
            """);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonElement Config(object? block = null) =>
        JsonSerializer.SerializeToElement(new { onepassword = block ?? new { enabled = true } });

    private string OpPath => Path.Combine(_bin, "op");

    public void Dispose()
    {
        _provider.Dispose();
        Directory.Delete(_bin, recursive: true);
    }

    private void WriteOp(string body)
    {
        // The script records what it was given next to itself, then answers.
        File.WriteAllText(OpPath, $$"""
            #!/bin/sh
            here=$(dirname "$0")
            printf '%s\n' "$@" > "$here/args"
            printf '%s' "$OP_SERVICE_ACCOUNT_TOKEN" > "$here/token"
            printf '%s' "${OP_CONNECT_HOST-unset}" > "$here/connect-host"
            {{body}}
            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(OpPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private async Task<string> Failure(string reference, JsonElement? config = null)
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await _provider.ResolveAsync(reference, config ?? Config(), Ct));
        Assert.DoesNotContain(Token, e.Message, StringComparison.Ordinal);
        return e.Message;
    }

    [Fact]
    public async Task ResolveAsync_NoConnectHost_RunsOpReadWithTheServiceAccountToken()
    {
        var value = await _provider.ResolveAsync("op://Production/Database/password", Config(), Ct);

        Assert.Equal("cli-Pa55word", value);
        Assert.Equal("read\n--no-newline\nop://Production/Database/password\n", File.ReadAllText(Path.Combine(_bin, "args")));
        Assert.Equal(Token, File.ReadAllText(Path.Combine(_bin, "token")));
        Assert.Contains($"Resolved op://Production/Database/password with the op CLI {OpPath}", _logger.All);
        Assert.DoesNotContain("cli-Pa55word", _logger.All);
        Assert.DoesNotContain(Token, _logger.All);
    }

    [Fact]
    public async Task ResolveAsync_ConnectVariablesInTheEnvironment_AreNotPassedToTheCli()
    {
        // With OP_CONNECT_HOST the CLI would ask a Connect server instead of using the service account. Nothing else in
        // this test process reads the variable, so setting it for a moment disturbs no other test.
        Environment.SetEnvironmentVariable("OP_CONNECT_HOST", "http://127.0.0.1:1");
        try
        {
            Assert.Equal("cli-Pa55word", await _provider.ResolveAsync("op://Production/Database/password", Config(), Ct));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OP_CONNECT_HOST", null);
        }

        Assert.Equal("unset", File.ReadAllText(Path.Combine(_bin, "connect-host")));
    }

    [Fact]
    public async Task ResolveAsync_Otp_PassesTheAttributeToTheCli()
    {
        Assert.Equal("424242", await _provider.ResolveAsync("op://Production/Database/one-time password?attribute=otp", Config(), Ct));
        Assert.EndsWith("op://Production/Database/one-time password?attribute=otp\n", File.ReadAllText(Path.Combine(_bin, "args")));
    }

    [Fact]
    public async Task ResolveAsync_CustomTokenEnv_GivesThatTokenToTheCli()
    {
        _environment.Remove("OP_SERVICE_ACCOUNT_TOKEN");
        _environment["SHOP_OP_TOKEN"] = Token;

        Assert.Equal("cli-Pa55word", await _provider.ResolveAsync("op://Production/Database/password", Config(new { enabled = true, token_env = "SHOP_OP_TOKEN" }), Ct));
        Assert.Equal(Token, File.ReadAllText(Path.Combine(_bin, "token")));
    }

    [Fact]
    public async Task ResolveAsync_CliFails_ReportsItsErrorLine()
    {
        var message = await Failure("op://Production/Nothing/password");

        Assert.Equal($"the op CLI ({OpPath}) failed with exit code 1: could not read secret 'op://Production/Nothing/password': could not find item in vault", message);
    }

    [Fact]
    public async Task ResolveAsync_WrongServiceAccountToken_ReportsTheCliErrorNotTheToken()
    {
        _environment["OP_SERVICE_ACCOUNT_TOKEN"] = "ops_wrong-token";

        var message = await Failure("op://Production/Database/password");

        Assert.Equal($"the op CLI ({OpPath}) failed with exit code 1: authentication failed: invalid service account token", message);
        Assert.DoesNotContain("ops_wrong-token", message);
    }

    [Fact]
    public async Task ResolveAsync_TokenNotSet_SaysWhichVariable()
    {
        _environment.Remove("OP_SERVICE_ACCOUNT_TOKEN");

        var message = await Failure("op://Production/Database/password");

        Assert.Equal("no 1Password service account token: environment variable OP_SERVICE_ACCOUNT_TOKEN is not set (onepassword.token_env)", message);
        Assert.False(File.Exists(Path.Combine(_bin, "args")));
    }

    [Fact]
    public async Task ResolveAsync_NoCliAndNoConnectHost_SaysHowToReach1Password()
    {
        _environment["PATH"] = "/nonexistent";

        var message = await Failure("op://Production/Database/password");

        Assert.Equal("no way to reach 1Password: set onepassword.connect_host to a 1Password Connect server, or install the op CLI on PATH", message);
    }

    [Fact]
    public async Task ResolveAsync_CliHangs_IsKilledAfterTheTimeout()
    {
        WriteOp("""
            echo $$ > "$here/pid"
            exec sleep 60
            """);

        var message = await Failure("op://Production/Database/password", Config(new { enabled = true, timeout = 0.5 }));

        Assert.Equal($"the op CLI ({OpPath}) did not finish within 0.5 s", message);
        var pid = int.Parse(File.ReadAllText(Path.Combine(_bin, "pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < 50 && Directory.Exists($"/proc/{pid}"); i++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.False(Directory.Exists($"/proc/{pid}"), "the op process was left running");
    }

    [Fact]
    public async Task ResolveAsync_CliWritesTooMuch_IsRefused()
    {
        WriteOp("""
            head -c 3000000 /dev/zero | tr '\0' 'x'
            """);

        var message = await Failure("op://Production/Database/password");

        Assert.Equal($"the op CLI ({OpPath}) wrote more than 1 MiB; refusing to read it", message);
    }
}
