using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Cli;

/// <summary>
/// Behaviours the reference MXCP's own tests and fixtures rely on (issue 15, item 7): what runs, which values are
/// accepted, the error texts and exit codes of bad option values, null request headers, validate without imports.
/// </summary>
public sealed class ReferenceCompatibilityTests
{
    private static TestProject Project()
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: compat\nprofile: dev\n");
        project.Write("tools/data.yml", """
            mxcp: 1
            tool:
              name: data
              parameters:
                - {name: name, type: string, description: A name}
                - {name: data, type: object, description: Anything}
                - {name: unused, type: string, description: Declared only, default: x}
              source: {code: "SELECT $name AS name, $data AS data"}
            """);
        project.Write("resources/date.yml", """
            mxcp: 1
            resource:
              uri: data://date.resource
              parameters:
                - {name: date, type: string, format: date, description: A day}
                - {name: format, type: string, enum: [iso, unix, human], default: iso, description: Output}
              return: {type: object}
              source: {code: "SELECT CAST($date AS VARCHAR) AS date, $format AS format"}
            """);
        project.Write("tools/headers_sql.yml", "mxcp: 1\ntool:\n  name: headers_sql\n  source: {code: \"SELECT get_request_headers_json() AS headers, get_request_header('X-Trace') AS trace\"}\n");
        return project;
    }

    [Fact]
    public void Run_ParamValues_BadFormatAndMissingFileAreUsageErrorsExit2()
    {
        using var project = Project();
        var format = project.Run("run", "tool", "data", "--param", "invalid");
        Assert.Equal(2, format.ExitCode);
        Assert.Equal("Error: Invalid value: Parameter must be in format name=value or name=@file.json: invalid", format.Stderr.Trim());

        var missing = project.Run("run", "tool", "data", "--param", "data=@/nonexistent.json", "--json-output");
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal("Invalid value: JSON file not found: /nonexistent.json", missing.Json.GetProperty("error").GetString());

        var bad = project.Write("bad.json", "not json");
        var invalid = project.Run("run", "tool", "data", "--param", $"data=@{bad}");
        Assert.Equal(2, invalid.ExitCode);
        Assert.StartsWith($"Error: Invalid value: Invalid JSON in file {bad}: ", invalid.Stderr);

        var user = project.Run("run", "tool", "data", "--param", "name=a", "--param", "data={}", "--user-context", "@/nonexistent.json");
        Assert.Equal(2, user.ExitCode);
        Assert.Equal("Error: Invalid value: User context file not found: /nonexistent.json", user.Stderr.Trim());

        // @file.json is the value's file, not a response file of the command line parser.
        var file = project.Write("user.json", """{"role": "admin"}""");
        var fromFile = project.Run("run", "tool", "data", "--param", "name=a", "--param", "data={}", "--user-context", "@" + file);
        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
    }

    [Fact]
    public void Run_EmptyObjectAndUnusedParameter_RunsAndValidateWarns()
    {
        using var project = Project();
        var run = project.Run("run", "tool", "data", "--param", "name=value", "--param", "data={}", "--json-output");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("value", run.Json.GetProperty("result")[0].GetProperty("name").GetString());

        var validate = project.Run("validate", "--json-output");
        Assert.True(validate.ExitCode == 0, validate.ToString());
        var data = validate.Json.GetProperty("result").GetProperty("validated").EnumerateArray().Single(v => v.GetProperty("path").GetString() == "tools/data.yml");
        Assert.Equal("ok", data.GetProperty("status").GetString());
        Assert.Equal("Parameter mismatch: extra={unused} (declared but not used by the SQL; calls ignore them)", data.GetProperty("warnings")[0].GetString());
    }

    [Fact]
    public void Run_ResourceWithParametersOutsideItsUri_RunsWithTheReferenceEnumMessage()
    {
        using var project = Project();
        var run = project.Run("run", "resource", "data://date.resource", "--param", "date=2024-03-20", "--param", "format=iso", "--json-output");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("""{"date":"2024-03-20","format":"iso"}""", JsonSerializer.Serialize(run.Json.GetProperty("result")));

        var wrong = project.Run("run", "resource", "data://date.resource", "--param", "date=2024-03-20", "--param", "format=invalid");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal("Error: Invalid value for format. Must be one of: ['iso', 'unix', 'human']", wrong.Stderr.Trim());

        var list = project.Run("list", "--json-output");
        var resource = list.Json.GetProperty("result").GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("kind").GetString() == "resource");
        Assert.Equal("", resource.GetProperty("error").GetString());
        Assert.Equal("Resource parameter(s) ['date', 'format'] are not used in uri 'data://date.resource'. Put them in the uri or make a 'tool:' instead.",
            resource.GetProperty("warnings")[0].GetString());
    }

    [Fact]
    public void List_Json_AbsolutePathsAndUnknownForBrokenFiles()
    {
        using var project = Project();
        project.Write("tools/broken.yml", "mxcp: 1\ntool:\n  name: broken\n");
        var list = project.Run("list", "--json-output");
        Assert.Equal(0, list.ExitCode);
        var result = list.Json.GetProperty("result");
        Assert.Equal("error", result.GetProperty("status").GetString());
        var broken = result.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("path").GetString() == Path.Combine(project.Root, "tools", "broken.yml"));
        Assert.Equal("unknown", broken.GetProperty("kind").GetString());
        Assert.Equal("unknown", broken.GetProperty("name").GetString());
        Assert.StartsWith("tools/broken.yml:3:3: tool.source: required key is missing", broken.GetProperty("error").GetString());
    }

    [Fact]
    public void Run_NoRequestHeaders_NullInSqlAndPython()
    {
        using var project = Project();
        project.Write("tools/headers.yml", "mxcp: 1\ntool:\n  name: headers\n  language: python\n  source: {file: ../python/ctx.py}\n");
        project.Write("python/ctx.py", "from mxcp.sdk.executor import get_execution_context\n\ndef headers():\n    return {\"headers\": get_execution_context().get(\"request_headers\")}\n");

        var sql = project.Run("run", "tool", "headers_sql", "--json-output");
        Assert.True(sql.ExitCode == 0, sql.ToString());
        Assert.Equal("""[{"headers":null,"trace":null}]""", JsonSerializer.Serialize(sql.Json.GetProperty("result")));
        var given = project.Run("run", "tool", "headers_sql", "--request-headers", """{"X-Trace": "t-1"}""", "--json-output");
        Assert.Equal("""[{"headers":"{\u0022X-Trace\u0022:\u0022t-1\u0022}","trace":"t-1"}]""", JsonSerializer.Serialize(given.Json.GetProperty("result")));

        var python = project.Run("run", "tool", "headers", "--json-output");
        Assert.True(python.ExitCode == 0, python.ToString());
        Assert.Equal("""{"headers":null}""", JsonSerializer.Serialize(python.Json.GetProperty("result")));
    }

    [Fact]
    public void Validate_PythonEndpoint_ChecksTheFileWithoutImportingIt()
    {
        using var project = Project();
        project.Write("tools/py.yml", "mxcp: 1\ntool:\n  name: py\n  language: python\n  source: {file: ../python/needs_deps.py}\n");
        project.Write("python/needs_deps.py", "import a_module_this_machine_does_not_have\n\ndef py():\n    return 1\n");
        project.Write("tools/gone.yml", "mxcp: 1\ntool:\n  name: gone\n  language: python\n  source: {file: ../python/gone.py}\n");

        var validate = project.Run("validate", "--json-output");
        var byPath = validate.Json.GetProperty("result").GetProperty("validated").EnumerateArray().ToDictionary(v => v.GetProperty("path").GetString()!);
        Assert.Equal("ok", byPath["tools/py.yml"].GetProperty("status").GetString());
        Assert.Equal("error", byPath["tools/gone.yml"].GetProperty("status").GetString());
        Assert.StartsWith("tools/gone.yml: source file not found: ../python/gone.py", byPath["tools/gone.yml"].GetProperty("message").GetString());

        var run = project.Run("run", "tool", "py");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("a_module_this_machine_does_not_have", run.Stderr);
    }

    [Fact]
    public void LogLevelVariable_SetsTheConsoleLogLevel()
    {
        using var project = Project();
        var quiet = project.Run("run", "tool", "headers_sql");
        Assert.DoesNotContain("info:", quiet.Stderr);
        var verbose = project.RunWith(new Dictionary<string, string> { ["MXCP_LOG_LEVEL"] = "INFO" }, "run", "tool", "headers_sql");
        Assert.True(verbose.ExitCode == 0, verbose.ToString());
        Assert.Contains("info: Mxcp.Plugins.DuckDb", verbose.Stderr);
    }

    [Fact]
    public async Task Serve_TransportHttp_IsStreamableHttp()
    {
        using var project = Project();
        await using var server = await ServeProcess.StartAsync(project, "--transport", "http");
        Assert.EndsWith("/mcp", server.Endpoint.AbsolutePath, StringComparison.Ordinal);
    }
}
