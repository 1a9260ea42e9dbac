using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Hardening;

/// <summary>
/// Values of `sensitive` parameters and resolved secrets never reach an error a client sees, a log line or an audit
/// record, whichever component wrote them (DuckDB's conversion errors, a Python exception, the server's own logs).
/// </summary>
public sealed class SensitiveValueTests
{
    private const string Pin = "hunter2";
    private const string QuotedPin = "o'hunter\\7";
    private const string Token = "tok-9f8e7d6c5b4a";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TestProject Project()
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: sens\nprofile: dev\nprofiles:\n  dev:\n    audit:\n      enabled: true\n");
        project.Write("config.yml", $$"""
            mxcp: 1
            projects:
              sens:
                profiles:
                  dev:
                    secrets:
                      - name: api
                        type: custom
                        parameters:
                          token: "${SENS_API_TOKEN}"
            """);
        project.Environment["MXCP_CONFIG"] = Path.Combine(project.Root, "config.yml");
        project.Environment["SENS_API_TOKEN"] = Token;
        project.Environment["MXCP_DEBUG"] = "1";
        project.Write("tools/login.yml", """
            mxcp: 1
            tool:
              name: login
              description: Checks a pin (SQL)
              parameters:
                - {name: user, type: string, description: The user}
                - {name: pin, type: string, sensitive: true, description: The pin}
              return: {type: integer}
              source: {code: "select $pin::INTEGER + length($user) as n"}
            """);
        project.Write("tools/leak.yml", """
            mxcp: 1
            tool:
              name: leak
              description: Fails with the pin and the secret in its message (Python)
              language: python
              parameters:
                - {name: pin, type: string, sensitive: true, description: The pin}
              return: {type: string}
              source: {file: ../python/leak.py}
            """);
        project.Write("python/leak.py", """
            from mxcp.runtime import config


            def leak(pin):
                token = config.get_secret("api")["token"]
                print(f"worker saw {pin} and {token}", flush=True)
                raise ValueError(f"pin {pin!r} rejected, token {token}")
            """);
        return project;
    }

    private static void AssertNoSecrets(string text, string where)
    {
        Assert.False(text.Contains(Pin, StringComparison.Ordinal), $"{where} shows the pin:\n{text}");
        Assert.False(text.Contains("hunter\\7", StringComparison.Ordinal) || text.Contains("hunter\\\\7", StringComparison.Ordinal), $"{where} shows the quoted pin:\n{text}");
        Assert.False(text.Contains(Token, StringComparison.Ordinal), $"{where} shows the secret:\n{text}");
    }

    [Fact]
    public async Task McpCall_SensitiveValuesAndSecrets_AreScrubbedFromErrorsLogsAndAudit()
    {
        using var project = Project();
        await using var server = await ServeProcess.StartAsync(project);
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);

        var sql = await client.CallToolAsync("login", new Dictionary<string, object?> { ["user"] = "ann", ["pin"] = Pin }, cancellationToken: Ct);
        var sqlQuoted = await client.CallToolAsync("login", new Dictionary<string, object?> { ["user"] = "ann", ["pin"] = QuotedPin }, cancellationToken: Ct);
        var python = await client.CallToolAsync("leak", new Dictionary<string, object?> { ["pin"] = Pin }, cancellationToken: Ct);
        var pythonQuoted = await client.CallToolAsync("leak", new Dictionary<string, object?> { ["pin"] = QuotedPin }, cancellationToken: Ct);

        foreach (var (result, name) in new[] { (sql, "sql"), (sqlQuoted, "sql quoted"), (python, "python"), (pythonQuoted, "python quoted") })
        {
            Assert.True(result.IsError, name);
            var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
            AssertNoSecrets(text, $"the {name} error");
            Assert.Contains("[REDACTED]", text);
        }

        Assert.StartsWith("Conversion Error: Could not convert string '[REDACTED]' to INT32", ((TextContentBlock)sql.Content[0]).Text);
        Assert.Contains("pin '[REDACTED]' rejected, token [REDACTED]", ((TextContentBlock)python.Content[0]).Text);

        await client.DisposeAsync();
        server.Signal("TERM");
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        AssertNoSecrets(server.Stderr, "the server log");
        Assert.Contains("[REDACTED]", server.Stderr);
        var audit = string.Concat(Directory.GetFiles(Path.Combine(project.Root, "audit"), "logs-*.jsonl").Select(File.ReadAllText));
        Assert.Equal(4, audit.Split('\n').Count(line => line.Contains("\"operation_type\":\"tool\"", StringComparison.Ordinal)));
        AssertNoSecrets(audit, "the audit log");
    }

    [Fact]
    public void Run_SensitiveValuesAndSecrets_AreScrubbedFromTheError()
    {
        using var project = Project();

        var sql = project.Run("run", "tool", "login", "--param", "user=ann", "--param", "pin=" + Pin);
        var python = project.Run("run", "tool", "leak", "--param", "pin=" + Pin, "--json-output");

        Assert.Equal(1, sql.ExitCode);
        AssertNoSecrets(sql.ToString(), "mxcp run (sql)");
        Assert.Contains("Could not convert string '[REDACTED]' to INT32", sql.Stderr + sql.Stdout);
        Assert.NotEqual(0, python.ExitCode);
        AssertNoSecrets(python.ToString(), "mxcp run (python)");
        Assert.Contains("token [REDACTED]", python.Stdout + python.Stderr);
    }
}
