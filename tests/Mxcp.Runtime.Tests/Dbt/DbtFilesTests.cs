using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Dbt;

namespace Mxcp.Runtime.Tests.Dbt;

public sealed class DbtFilesTests
{
    private static SecretDefinition Secret(string name, string parameters) =>
        new() { Name = name, Type = "http", Parameters = JsonDocument.Parse(parameters).RootElement.Clone() };

    private static ProjectConfiguration Config(params SecretDefinition[] secrets) => new()
    {
        ProjectRoot = "/p",
        SiteFile = "/p/mxcp-site.yml",
        Site = new SiteConfig { Project = "my-proj", Profile = "dev" },
        User = new UserConfig(),
        Profile = "dev",
        SiteProfile = new SiteProfileConfig { DuckDb = new DuckDbProfileConfig { Path = "/p/data/db-dev.duckdb" } },
        UserProfile = new UserProfileConfig { Secrets = secrets },
        SiteJson = default,
        UserJson = default,
    };

    [Fact]
    public void MergeProfiles_NewProfile_DuckDbOutputWithSecretsAsEnvVars()
    {
        var config = Config(Secret("api", """{"BEARER_TOKEN": "t"}"""), Secret("hdrs", """{"EXTRA_HTTP_HEADERS": {"X-Key": "v"}}"""));
        var merged = DbtFiles.MergeProfiles(JsonNode.Parse("""{"other": {"target": "x"}}""")!.AsObject(), config, embedSecrets: false);
        Assert.Equal("""{"target":"x"}""", merged["other"]!.ToJsonString());
        var output = merged["my_proj_dev"]!["outputs"]!["dev"]!;
        Assert.Equal("dev", merged["my_proj_dev"]!["target"]!.GetValue<string>());
        Assert.Equal("/p/data/db-dev.duckdb", output["path"]!.GetValue<string>());
        Assert.Equal("map { 'Authorization': 'Bearer {{ env_var('MXCP_SECRET_API_BEARER_TOKEN') }}' }", output["secrets"]![0]!["extra_http_headers"]!.GetValue<string>());
        Assert.Equal("map { 'X-Key': '{{ env_var('MXCP_SECRET_HDRS_EXTRA_HTTP_HEADERS_X_KEY') }}' }", output["secrets"]![1]!["extra_http_headers"]!.GetValue<string>());

        var embedded = DbtFiles.MergeProfiles([], config, embedSecrets: true);
        Assert.Equal("map { 'Authorization': 'Bearer t' }", embedded["my_proj_dev"]!["outputs"]!["dev"]!["secrets"]![0]!["extra_http_headers"]!.GetValue<string>());
    }

    [Fact]
    public void SecretVariables_MatchTheNamesDbtConfigWrites() =>
        Assert.Equal(
            """{"MXCP_SECRET_API_BEARER_TOKEN":"t","MXCP_SECRET_HDRS_EXTRA_HTTP_HEADERS_X_KEY":"v"}""",
            JsonSerializer.Serialize(DbtEnvironment.SecretVariables([Secret("api", """{"BEARER_TOKEN": "t"}"""), Secret("hdrs", """{"EXTRA_HTTP_HEADERS": {"X-Key": "v"}}""")])));

    [Fact]
    public void MergeProject_KeepsOtherKeysAndSetsTheSitesPaths()
    {
        var merged = DbtFiles.MergeProject(JsonNode.Parse("""{"vars": {"a": 1}, "name": "old"}""")!.AsObject(), Config());
        Assert.Equal("my_proj", merged["name"]!.GetValue<string>());
        Assert.Equal("my_proj_dev", merged["profile"]!.GetValue<string>());
        Assert.Equal("""{"a":1}""", merged["vars"]!.ToJsonString());
        Assert.Equal("""["models"]""", merged["model-paths"]!.ToJsonString());
        Assert.Contains("config-version: 2", DbtFiles.ToYaml(merged));
    }
}
