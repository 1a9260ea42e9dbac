using System.Text.RegularExpressions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Python;

/// <summary>
/// Python plugins' <c>@udf</c> methods called from SQL, through the published <c>mxcp</c>: a project shaped like the
/// reference's <c>examples/plugin</c> (its Caesar cipher plugin configured from the user config), checked by
/// <c>validate</c>, run by <c>run</c>, <c>test</c> and <c>query</c>, and served to an MCP client.
/// </summary>
public sealed partial class PluginFunctionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TestProject CipherProject()
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", """
            mxcp: 1
            project: demo-plugin
            profile: dev
            plugin:
              - name: str_secret
                module: my_plugin
                config: rot1
            """);
        project.Write("config.yml", """
            mxcp: 1
            projects:
              demo-plugin:
                profiles:
                  dev:
                    plugin:
                      config:
                        rot1:
                          rotation: "1"
            """);
        project.Environment["MXCP_CONFIG"] = Path.Combine(project.Root, "config.yml");
        project.Write("plugins/my_plugin/__init__.py", """
            import os
            from mxcp.plugins import MXCPBasePlugin, udf


            class MXCPPlugin(MXCPBasePlugin):
                def __init__(self, config, user_context=None):
                    super().__init__(config, user_context)
                    self.rotation = int(config.get("rotation", 13))

                def _rotate(self, text, shift):
                    return "".join(chr((ord(c) - 97 + shift) % 26 + 97) if "a" <= c <= "z" else c for c in text)

                @udf
                def encrypt(self, text: str) -> str:
                    return self._rotate(text, self.rotation)

                @udf
                def decrypt(self, text: str) -> str:
                    return self._rotate(text, -self.rotation)

                @udf
                def crash(self, text: str) -> str:
                    if text == "crash":
                        os._exit(7)
                    return text
            """);
        Tool(project, "decipher", "SELECT decrypt_str_secret($message) AS plain", "string", """
              tests:
                - name: quick_check
                  arguments:
                    - key: message
                      value: "usbmbmb"
                  result: "tralala"
            """);
        Tool(project, "crash", "SELECT crash_str_secret($message) AS echoed", "string", "");
        project.Write("tools/many.yml", """
            mxcp: 1
            tool:
              name: many
              description: "Every row of a 10,000-row range through the plugin."
              return:
                type: object
              source:
                code: SELECT count(*) AS n, count(DISTINCT encrypt_str_secret(i::VARCHAR)) AS distinct_values FROM range(10000) t(i)
            """);
        // Python endpoint code reaches the same functions through db.execute; a module that cannot be imported on this
        // machine does not stop validate (it checks Python endpoints without importing them, as the reference).
        project.Write("python/via_python.py", """
            from mxcp.runtime import db

            def via_python(message: str) -> str:
                return db.execute("SELECT encrypt_str_secret($m) AS e", {"m": message})[0]["e"]
            """);
        project.Write("tools/via_python.yml", """
            mxcp: 1
            tool:
              name: via_python
              description: "Encrypts through db.execute."
              language: python
              parameters:
                - {name: message, type: string, description: "Plain text"}
              return:
                type: string
              source:
                file: ../python/via_python.py
            """);
        return project;
    }

    private static void Tool(TestProject project, string name, string sql, string returnType, string tests) =>
        project.Write($"tools/{name}.yml", $"""
            mxcp: 1
            tool:
              name: {name}
              description: "{name} through the plugin"
              parameters:
                - name: message
                  type: string
                  description: "Text"
              return:
                type: {returnType}
              source:
                code: {sql}
            {tests}
            """);

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    [Fact]
    public void ValidateRunTestQuery_PluginFunctionInSql_WorkAsInTheReference()
    {
        using var project = CipherProject();

        var validate = project.Run("validate");
        var run = project.Run("run", "tool", "decipher", "--param", "message=usbmbmb");
        var test = project.Run("test", "--json-output");
        var query = project.Run("query", "SELECT encrypt_str_secret('tralala') AS e, decrypt_str_secret(encrypt_str_secret('round trip')) AS r", "--json-output");

        Assert.True(validate.ExitCode == 0, validate.ToString());
        Assert.Contains("✓ tools/decipher.yml", validate.Stdout, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("tralala", run.Stdout.Trim());
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Contains("\"status\": \"ok\"", test.Stdout, StringComparison.Ordinal);
        Assert.True(query.ExitCode == 0, query.ToString());
        var row = query.Json.GetProperty("result")[0];
        Assert.Equal("usbmbmb", row.GetProperty("e").GetString());
        Assert.Equal("round trip", row.GetProperty("r").GetString());
    }

    [Fact]
    public void Validate_PythonModuleThatCannotBeImported_SqlUsingThePluginIsStillChecked()
    {
        using var project = CipherProject();
        project.Write("python/needs_missing_package.py", "import a_package_this_machine_does_not_have\n");
        project.Write("tools/typo.yml", """
            mxcp: 1
            tool:
              name: typo
              description: "Calls a function no plugin has"
              return:
                type: string
              source:
                code: SELECT decrypt_str_secrets('x') AS plain
            """);

        var validate = project.Run("validate");

        Assert.Equal(1, validate.ExitCode);
        Assert.Contains("✓ tools/decipher.yml", validate.Stdout, StringComparison.Ordinal);
        Assert.Contains("✓ tools/via_python.yml", validate.Stdout, StringComparison.Ordinal);
        Assert.Contains("decrypt_str_secrets does not exist", validate.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TenThousandRows_TheWorkerIsCalledOncePerDataChunk()
    {
        using var project = CipherProject();

        var run = project.RunWith(new Dictionary<string, string> { ["MXCP_LOG_LEVEL"] = "DEBUG" }, "run", "tool", "many", "--json-output");

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = run.Json.GetProperty("result");
        Assert.Equal(10000, result.GetProperty("n").GetInt32());
        Assert.Equal(10000, result.GetProperty("distinct_values").GetInt32());
        var batches = BatchLine().Matches(run.Stderr).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(10000, batches.Sum());
        Assert.InRange(batches.Count, 5, 12);
    }

    [Fact]
    public async Task CallTool_OverMcp_SqlToolsCallThePluginConcurrentlyAndACrashFailsOnlyItsCall()
    {
        using var project = CipherProject();
        await using var client = await StdioServer.ConnectAsync(project, Ct);

        var words = new[] { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel" };
        var calls = words.Select(w => client.CallToolAsync("decipher", new Dictionary<string, object?> { ["message"] = Shift(w, 1) }, cancellationToken: Ct).AsTask()).ToArray();
        var results = await Task.WhenAll(calls);
        var crash = await client.CallToolAsync("crash", new Dictionary<string, object?> { ["message"] = "crash" }, cancellationToken: Ct);
        var after = await client.CallToolAsync("decipher", new Dictionary<string, object?> { ["message"] = "usbmbmb" }, cancellationToken: Ct);
        var viaPython = await client.CallToolAsync("via_python", new Dictionary<string, object?> { ["message"] = "tralala" }, cancellationToken: Ct);

        Assert.Equal(words, results.Select(r => Assert.IsType<TextContentBlock>(Assert.Single(r.Content)).Text).ToArray());
        Assert.True(crash.IsError);
        Assert.Equal(
            "Invalid Input Error: SQL function crash_str_secret: The Python worker exited unexpectedly (exit code 7) while running this call; it is being restarted",
            Text(crash));
        Assert.NotEqual(true, after.IsError);
        Assert.Equal("tralala", Text(after));
        Assert.NotEqual(true, viaPython.IsError);
        Assert.Equal("usbmbmb", Text(viaPython));
    }

    private static string Shift(string text, int by) => new([.. text.Select(c => (char)((c - 'a' + by + 26) % 26 + 'a'))]);

    [GeneratedRegex(@"Python SQL function encrypt_str_secret: (\d+) rows in one call to worker")]
    private static partial Regex BatchLine();
}
