using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Tests.TestSupport;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Tests.Configuration;

public sealed class ProjectConfigurationLoaderTests
{
    private static readonly ProjectConfigurationLoader Loader = new([]);

    private static Task<ProjectConfiguration> LoadAsync(TempProject project, Action<MxcpOptions>? configure = null) =>
        Loader.LoadAsync(project.Options(configure), TestContext.Current.CancellationToken);

    [Fact]
    public async Task LoadAsync_FromSubfolder_FindsSiteUpward()
    {
        using var project = new TempProject();
        project.Write("tools/nested/x.txt", "");
        var config = await LoadAsync(project, o => o.ProjectPath = Path.Combine(project.Root, "tools", "nested"));
        Assert.Equal(project.Root, config.ProjectRoot);
        Assert.Equal("demo", config.ProjectName);
        Assert.Equal("dev", config.Profile);
    }

    [Fact]
    public async Task LoadAsync_NoSiteFile_SaysWhereItLooked()
    {
        var dir = Directory.CreateTempSubdirectory("mxcp-nosite").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<ProjectNotFoundException>(() =>
                Loader.LoadAsync(new MxcpOptions { ProjectPath = dir, Environment = _ => null }, TestContext.Current.CancellationToken));
            Assert.StartsWith($"No mxcp-site.yml found in {dir} or its parents", e.Message);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public async Task LoadAsync_MissingRequiredKey_NamesIt()
    {
        using var project = new TempProject("mxcp: 1\nproject: demo\n");
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));
        Assert.Equal("mxcp-site.yml:1:1: profile: required key is missing", e.Message);
    }

    [Fact]
    public async Task LoadAsync_MisspeltRequiredKey_PointsAtTheTypo()
    {
        using var project = new TempProject("mxcp: 1\nproject: demo\nprofle: dev\n");
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));
        Assert.Equal("mxcp-site.yml:3:1: unknown key 'profle' (did you mean 'profile'?)", e.Message);
    }

    [Fact]
    public async Task LoadAsync_MisspelledKey_SuggestsTheRightOne()
    {
        using var project = new TempProject("mxcp: 1\nproject: demo\nprofile: dev\nsql_tool:\n  enabled: true\n");
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));
        Assert.Equal("mxcp-site.yml:4:1: unknown key 'sql_tool' (did you mean 'sql_tools'?)", e.Message);
    }

    [Fact]
    public async Task LoadAsync_WrongType_NamesKeyPathAndValue()
    {
        using var project = new TempProject("mxcp: 1\nproject: demo\nprofile: dev\nsql_tools:\n  enabled: maybe\n");
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));
        Assert.Equal("mxcp-site.yml:5:12: sql_tools.enabled: expected true or false, got the string 'maybe'", e.Message);
    }

    [Fact]
    public async Task LoadAsync_LegacyVersionString_ExplainsMigration()
    {
        using var project = new TempProject("mxcp: \"1.0.0\"\nproject: demo\nprofile: dev\n");
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));
        Assert.StartsWith("mxcp-site.yml:1:7: mxcp: 🚨 MIGRATION REQUIRED: '1.0.0' is a legacy version string", e.Message);
        Assert.Contains("to 'mxcp: 1'", e.Message);
        Assert.Contains("NEW structure:", e.Message);
        Assert.Contains("tools/", e.Message);
        Assert.Contains("resources/", e.Message);
    }

    [Fact]
    public async Task LoadAsync_InvalidYaml_ReportsPosition()
    {
        using var project = new TempProject("mxcp: 1\nproject: [demo\nprofile: dev\n");
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));
        Assert.Equal("mxcp-site.yml:2:10: invalid YAML: the document ends inside an unclosed '[', '{' or quote", e.Message);
    }

    [Fact]
    public async Task LoadAsync_ProfileFromEnvironment_DerivesDefaultsForThatProfile()
    {
        using var project = new TempProject("mxcp: 1\nproject: demo\nprofile: dev\nprofiles:\n  dev:\n    duckdb:\n      path: custom.duckdb\n");
        project.Env["MXCP_PROFILE"] = "prod";
        var config = await LoadAsync(project);
        Assert.Equal("prod", config.Profile);
        Assert.Equal(Path.Combine(project.Root, "data", "db-prod.duckdb"), config.SiteProfile.DuckDb.Path);
        Assert.Equal(Path.Combine(project.Root, "drift", "drift-prod.json"), config.SiteProfile.Drift.Path);
        Assert.Equal(Path.Combine(project.Root, "audit", "logs-prod.jsonl"), config.SiteProfile.Audit.Path);
    }

    [Fact]
    public async Task LoadAsync_OptionsProfile_WinsOverEnvironment()
    {
        using var project = new TempProject();
        project.Env["MXCP_PROFILE"] = "prod";
        var config = await LoadAsync(project, o => o.Profile = "staging");
        Assert.Equal("staging", config.Profile);
    }

    [Fact]
    public async Task LoadAsync_RelativeDuckDbPath_IsRelativeToProjectRoot()
    {
        using var project = new TempProject("mxcp: 1\nproject: demo\nprofile: dev\nprofiles:\n  dev:\n    duckdb:\n      path: custom.duckdb\n      readonly: true\n");
        var config = await LoadAsync(project);
        Assert.Equal(Path.Combine(project.Root, "custom.duckdb"), config.SiteProfile.DuckDb.Path);
        Assert.True(config.ReadOnly);
    }

    [Fact]
    public async Task LoadAsync_EnvironmentOverrides_Apply()
    {
        using var project = new TempProject();
        project.Env["MXCP_DUCKDB_PATH"] = "/tmp/elsewhere.duckdb";
        project.Env["MXCP_AUDIT_ENABLED"] = "yes";
        project.Env["MXCP_READONLY"] = "1";
        project.Env["MXCP_DEBUG"] = "true";
        var config = await LoadAsync(project);
        Assert.Equal("/tmp/elsewhere.duckdb", config.SiteProfile.DuckDb.Path);
        Assert.True(config.SiteProfile.Audit.Enabled);
        Assert.True(config.ReadOnly);
        Assert.True(config.Debug);
    }

    [Fact]
    public async Task LoadAsync_SiteJson_HasNormalisedExtensionsAndAbsolutePaths()
    {
        using var project = new TempProject("mxcp: 1\nproject: demo\nprofile: dev\nextensions:\n  - httpfs\n  - name: h3\n    repo: community\nsql_tools:\n  enabled: true\n  list_tables:\n    description: Lists tables\n");
        var config = await LoadAsync(project);
        var json = config.SiteJson;
        Assert.Equal("""[{"name":"httpfs"},{"name":"h3","repo":"community"}]""", json.GetProperty("extensions").GetRawText());
        Assert.True(json.GetProperty("sql_tools").GetProperty("enabled").GetBoolean());
        Assert.Equal("Lists tables", json.GetProperty("sql_tools").GetProperty("list_tables").GetProperty("description").GetString());
        Assert.Equal(Path.Combine(project.Root, "data", "db-dev.duckdb"), json.GetProperty("profiles").GetProperty("dev").GetProperty("duckdb").GetProperty("path").GetString());
    }

    [Fact]
    public async Task LoadAsync_UserConfig_ResolvesOnlyTheActiveProfile()
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", """
            mxcp: 1
            projects:
              demo:
                profiles:
                  dev:
                    secrets:
                      - name: db
                        type: database
                        parameters:
                          password: "${DB_PASSWORD}"
                          url: "postgres://${DB_HOST}:5432/app"
                  prod:
                    secrets:
                      - name: db
                        type: database
                        parameters:
                          password: "${PROD_ONLY_VARIABLE}"
            """);
        project.Env["MXCP_CONFIG"] = user;
        project.Env["DB_PASSWORD"] = "s3cret";
        project.Env["DB_HOST"] = "db.internal";
        var config = await LoadAsync(project);
        var secret = Assert.Single(config.UserProfile.Secrets);
        Assert.Equal("s3cret", secret.Parameters.GetProperty("password").GetString());
        Assert.Equal("postgres://db.internal:5432/app", secret.Parameters.GetProperty("url").GetString());
        var prod = config.UserJson.GetProperty("projects").GetProperty("demo").GetProperty("profiles").GetProperty("prod");
        Assert.Equal("${PROD_ONLY_VARIABLE}", prod.GetProperty("secrets")[0].GetProperty("parameters").GetProperty("password").GetString());
    }

    [Fact]
    public async Task LoadAsync_MissingVariableInActiveProfile_NamesVariableAndKeyPath()
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", "mxcp: 1\nprojects:\n  demo:\n    profiles:\n      dev:\n        secrets:\n          - name: api\n            type: api\n            parameters:\n              token: ${API_TOKEN}\n");
        project.Env["MXCP_CONFIG_PATH"] = user;
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));
        Assert.Equal($"{user}:10:22: projects.demo.profiles.dev.secrets[0].parameters.token: environment variable API_TOKEN is not set", e.Message);
    }

    [Fact]
    public async Task LoadAsync_FileReference_ReadsTrimmedContentRelativeToProject()
    {
        using var project = new TempProject();
        project.Write("secrets/token.txt", "  abc123\n");
        var user = project.Write("user.yml", "mxcp: 1\nprojects:\n  demo:\n    profiles:\n      dev:\n        secrets:\n          - name: api\n            type: api\n            parameters:\n              token: file://secrets/token.txt\n");
        project.Env["MXCP_CONFIG"] = user;
        var config = await LoadAsync(project);
        Assert.Equal("abc123", config.UserProfile.Secrets[0].Parameters.GetProperty("token").GetString());
    }

    [Fact]
    public async Task LoadAsync_ReferenceInIntegerField_IsParsed()
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", "mxcp: 1\ntransport:\n  http:\n    port: ${PORT}\n    stateless: ${STATELESS}\n");
        project.Env["MXCP_CONFIG"] = user;
        project.Env["PORT"] = "9100";
        project.Env["STATELESS"] = "true";
        var config = await LoadAsync(project);
        Assert.Equal(9100, config.User.Transport.Http.Port);
        Assert.True(config.User.Transport.Http.Stateless);
    }

    [Fact]
    public async Task LoadAsync_MxcpConfigPointsNowhere_Fails()
    {
        using var project = new TempProject();
        project.Env["MXCP_CONFIG"] = Path.Combine(project.Root, "missing.yml");
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));
        Assert.Contains("user configuration file not found", e.Message);
    }

    [Fact]
    public async Task LoadAsync_NoUserConfig_CreatesTheActiveProfile()
    {
        using var project = new TempProject();
        var config = await LoadAsync(project);
        Assert.Null(config.UserFile);
        Assert.Empty(config.UserProfile.Secrets);
        Assert.Equal(JsonValueKind.Object, config.UserJson.GetProperty("projects").GetProperty("demo").GetProperty("profiles").GetProperty("dev").ValueKind);
    }

    [Fact]
    public async Task LoadAsync_UnknownUserKey_NamesFullPath()
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", "mxcp: 1\nprojects:\n  demo:\n    profiles:\n      dev:\n        secret: []\n");
        project.Env["MXCP_CONFIG"] = user;
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));
        Assert.Equal($"{user}:6:9: projects.demo.profiles.dev: unknown key 'secret' (did you mean 'secrets'?)", e.Message);
    }

    [Fact]
    public async Task LoadAsync_VaultReferenceWithoutProvider_SaysWhichPluginIsMissing()
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", "mxcp: 1\nprojects:\n  demo:\n    profiles:\n      dev:\n        secrets:\n          - name: api\n            type: api\n            parameters:\n              token: vault://secret/api#token\n");
        project.Env["MXCP_CONFIG"] = user;
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));
        Assert.Contains("no secret provider handles 'vault://' references", e.Message);
    }

    [Fact]
    public async Task LoadAsync_SecretProvider_ResolvesItsScheme()
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", "mxcp: 1\nvault:\n  enabled: true\n  address: http://vault:8200\nprojects:\n  demo:\n    profiles:\n      dev:\n        secrets:\n          - name: api\n            type: api\n            parameters:\n              token: vault://secret/api#token\n");
        project.Env["MXCP_CONFIG"] = user;
        var loader = new ProjectConfigurationLoader([new FakeVault()]);
        var config = await loader.LoadAsync(project.Options(), TestContext.Current.CancellationToken);
        Assert.Equal("resolved:vault://secret/api#token@http://vault:8200", config.UserProfile.Secrets[0].Parameters.GetProperty("token").GetString());
    }

    [Fact]
    public async Task LoadTopLevelAsync_ProfileWithSecretReferences_ReadsTheTransportAndResolvesNothing()
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", "mxcp: 1\ntransport:\n  http:\n    port: ${PORT}\nprojects:\n  demo:\n    profiles:\n      dev:\n        python:\n          workers: ${WORKERS}\n        secrets:\n          - name: api\n            type: api\n            parameters:\n              token: vault://secret/api#token\n");
        project.Env["MXCP_CONFIG"] = user;
        project.Env["PORT"] = "9100";

        var config = await Loader.LoadTopLevelAsync(project.Options(), TestContext.Current.CancellationToken);

        Assert.Equal(9100, config.User.Transport.Http.Port);
        Assert.Empty(config.UserProfile.Secrets);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("        auth:\n          provider: none\n", false)]
    [InlineData("        auth:\n          mode: issuer\n", false)]
    [InlineData("        auth:\n", false)]
    [InlineData("        auth:\n          provider: github\n          github:\n            client_id: ${GITHUB_ID}\n", true)]
    [InlineData("        auth:\n          provider: ${AUTH_PROVIDER}\n", true)]
    [InlineData("        auth: ${AUTH_BLOCK}\n", true)]
    public async Task LoadTopLevelAsync_AuthBlockAsWritten_SaysWhetherTheActiveProfileDeclaresAuth(string? auth, bool declared)
    {
        using var project = new TempProject();
        // The other profile's auth never counts; the active one's is read without resolving its references.
        var user = project.Write("user.yml", "mxcp: 1\nprojects:\n  demo:\n    profiles:\n      prod:\n        auth:\n          provider: github\n      dev:\n" +
            (auth ?? "        python:\n          workers: 2\n"));
        project.Env["MXCP_CONFIG"] = user;

        var config = await Loader.LoadTopLevelAsync(project.Options(), TestContext.Current.CancellationToken);

        Assert.Equal(declared, config.AuthDeclared);
    }

    [Fact]
    public async Task LoadAsync_AuthProviderFromTheEnvironment_DeclaresAuthAsResolved()
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", "mxcp: 1\nprojects:\n  demo:\n    profiles:\n      dev:\n        auth:\n          provider: ${AUTH_PROVIDER}\n");
        project.Env["MXCP_CONFIG"] = user;
        project.Env["AUTH_PROVIDER"] = "none";
        Assert.False((await LoadAsync(project)).AuthDeclared);

        project.Env["AUTH_PROVIDER"] = "github";
        Assert.True((await LoadAsync(project)).AuthDeclared);
    }

    [Fact]
    public async Task LoadAsync_UnknownKeyInVaultBlock_IsReportedBeforeAnyProviderIsAsked()
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", "mxcp: 1\nvault:\n  enabled: true\n  adress: http://vault:8200\nprojects:\n  demo:\n    profiles:\n      dev:\n        secrets:\n          - name: api\n            type: api\n            parameters:\n              token: vault://secret/api#token\n");
        project.Env["MXCP_CONFIG"] = user;
        var vault = new FakeVault();

        var e = await Assert.ThrowsAsync<ProjectFileException>(() => new ProjectConfigurationLoader([vault]).LoadAsync(project.Options(), TestContext.Current.CancellationToken));

        Assert.Equal($"{user}:4:3: vault: unknown key 'adress' (did you mean 'address'?)", e.Message);
        Assert.Equal(0, vault.Calls);
    }

    [Fact]
    public async Task LoadAsync_ProviderFails_NamesTheFileKeyPathAndTheWholeReference()
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", "mxcp: 1\nprojects:\n  demo:\n    profiles:\n      dev:\n        secrets:\n          - name: api\n            type: api\n            parameters:\n              token: vault://secret/api#token\n");
        project.Env["MXCP_CONFIG"] = user;

        var e = await Assert.ThrowsAsync<ProjectFileException>(() => new ProjectConfigurationLoader([new FakeVault()]).LoadAsync(project.Options(), TestContext.Current.CancellationToken));

        Assert.Equal($"{user}:10:22: projects.demo.profiles.dev.secrets[0].parameters.token: cannot resolve 'vault://secret/api#token': Vault is not enabled", e.Message);
    }

    [Theory]
    [InlineData("vault:\n  timeout: 0\n", "3:12: vault.timeout: expected a number of seconds greater than 0 and at most 300")]
    [InlineData("vault:\n  approle:\n    role_id: abc\n", "4:5: vault.approle: unknown key 'role_id' (allowed keys: mount, role_id_env, secret_id_env)")]
    [InlineData("onepassword:\n  connect_hots: http://op:8080\n", "3:3: onepassword: unknown key 'connect_hots' (did you mean 'connect_host'?)")]
    public async Task LoadAsync_SecretManagerSettings_AreChecked(string block, string expected)
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", "mxcp: 1\n" + block);
        project.Env["MXCP_CONFIG"] = user;

        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));

        Assert.Equal($"{user}:{expected}", e.Message);
    }

    [Fact]
    public async Task LoadAsync_SecretManagerSettings_AreAccepted()
    {
        using var project = new TempProject();
        var user = project.Write("user.yml", """
            mxcp: 1
            vault:
              enabled: true
              address: https://vault.internal:8200
              token_env: APP_VAULT_TOKEN
              namespace: team-a
              timeout: 5
              approle: {mount: approle, role_id_env: APP_ROLE_ID, secret_id_env: APP_SECRET_ID}
            onepassword:
              enabled: true
              token_env: OP_TOKEN
              connect_host: http://op-connect:8080
              connect_token_env: OP_CONNECT
              timeout: 2.5
            """);
        project.Env["MXCP_CONFIG"] = user;

        var config = await LoadAsync(project);

        Assert.Equal("team-a", config.UserJson.GetProperty("vault").GetProperty("namespace").GetString());
        Assert.Equal(2.5, config.UserJson.GetProperty("onepassword").GetProperty("timeout").GetDouble());
    }

    private sealed class FakeVault : ISecretProvider
    {
        public bool CanResolve(string reference) => reference.StartsWith("vault://", StringComparison.Ordinal);

        public int Calls { get; private set; }

        public ValueTask<string> ResolveAsync(string reference, JsonElement userConfig, CancellationToken cancellationToken)
        {
            Calls++;
            return userConfig.TryGetProperty("vault", out var vault)
                ? ValueTask.FromResult($"resolved:{reference}@{vault.GetProperty("address").GetString()}")
                : throw new InvalidOperationException("Vault is not enabled");
        }
    }
}
