using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Cli;

/// <summary>Bad input gives one clear message with file, line and field, and a non-zero exit.</summary>
public sealed class ErrorReportingTests
{
    [Fact]
    public void AnyCommand_OutsideAProject_SaysNoSiteFile()
    {
        using var empty = TestProject.Empty();
        var result = empty.Run("list", "--json-output");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("No mxcp-site.yml found in ", result.Json.GetProperty("error").GetString());
    }

    [Fact]
    public void Validate_BrokenFiles_Exit1WithLocatedMessages()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: broken\nprofile: dev\n");
        project.Write("tools/ok.yml", "tool:\n  name: ok\n  source: {code: select 1 as one}\n");
        project.Write("tools/mismatch.yml", "tool:\n  name: mismatch\n  parameters:\n    - {name: a, type: string, description: A}\n  source: {code: select $b as b}\n");
        project.Write("tools/syntax.yml", "tool:\n  name: syntax\n  source: {code: selec 1}\n");
        project.Write("tools/yaml.yml", "tool:\n  name: yaml\n  parameters:\n    - name: x\n      type: strin\n  source: {code: select 1}\n");
        project.Write("tools/missing.yml", "tool:\n  name: missing\n  source: {file: ../sql/nowhere.sql}\n");

        var result = project.Run("validate");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("✓ tools/ok.yml", result.Stdout);
        Assert.Contains("tools/mismatch.yml: Parameter mismatch: missing={b}, extra={a}", result.Stdout);
        Assert.Contains("tools/syntax.yml: Source code syntax validation failed:", result.Stdout);
        Assert.Contains("tools/yaml.yml:5:13: tool.parameters[0].type: expected one of string, number, integer, boolean, array, object, got 'strin'", result.Stdout);
        Assert.Contains("tools/missing.yml: source file not found: ../sql/nowhere.sql", result.Stdout);
        Assert.Contains("Validated 5 endpoint file(s): 1 ok, 4 with errors.", result.Stdout);
    }

    [Fact]
    public void Serve_WithBrokenEndpoint_RefusesToStartUnlessIgnored()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: broken\nprofile: dev\n");
        project.Write("tools/bad.yml", "tool:\n  name: bad\n  source: {code: selec 1}\n");

        var result = project.Run("serve", "--transport", "stdio", "--json-output");
        Assert.Equal(1, result.ExitCode);
        var json = result.Json;
        Assert.Equal("error", json.GetProperty("status").GetString());
        Assert.Equal("Found 1 endpoint(s) with errors", json.GetProperty("message").GetString());
        Assert.Equal("tools/bad.yml", json.GetProperty("failed_endpoints")[0].GetProperty("path").GetString());
    }

    [Fact]
    public void Run_WrongTypeInSiteConfig_NamesFileLineAndKey()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: p\nprofile: dev\nsql_tools:\n  enabled: sometimes\n");
        var result = project.Run("query", "select 1");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: mxcp-site.yml:5:12: sql_tools.enabled: expected true or false, got the string 'sometimes'", result.Stderr.Trim());
    }

    [Fact]
    public void Run_MissingEnvironmentVariable_NamesIt()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: p\nprofile: dev\n");
        var config = project.Write("config.yml", "mxcp: 1\nprojects:\n  p:\n    profiles:\n      dev:\n        secrets:\n          - name: s\n            type: api\n            parameters:\n              key: ${MISSING_API_KEY}\n");
        project.Environment["MXCP_CONFIG"] = config;
        var result = project.Run("query", "select 1");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"Error: {config}:10:20: projects.p.profiles.dev.secrets[0].parameters.key: environment variable MISSING_API_KEY is not set", result.Stderr.Trim());
    }

    [Fact]
    public void Query_WrongDuckDbLibrary_OneClearMessage()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: p\nprofile: dev\n");
        project.Environment["MXCP_DUCKDB_LIBRARY"] = Path.Combine(project.Root, "nowhere", "libduckdb.so");
        var result = project.Run("query", "select 1");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Error: Cannot start the 'sql' executor: DuckDB native library not found at", result.Stderr);
        Assert.Contains("MXCP_DUCKDB_LIBRARY", result.Stderr);
    }
}
