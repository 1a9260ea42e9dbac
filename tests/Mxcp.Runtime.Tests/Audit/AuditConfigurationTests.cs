using Mxcp.Runtime.Audit;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Tests.TestSupport;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary><c>profiles.&lt;p&gt;.audit</c> in mxcp-site.yml and <c>audit.connection_string</c> in the user configuration.</summary>
public sealed class AuditConfigurationTests
{
    private static readonly ProjectConfigurationLoader Loader = new([]);

    private static Task<ProjectConfiguration> LoadAsync(TempProject project) =>
        Loader.LoadAsync(project.Options(), TestContext.Current.CancellationToken);

    private static TempProject Site(string audit) =>
        new("mxcp: 1\nproject: demo\nprofile: dev\nprofiles:\n  dev:\n    audit:\n" + string.Concat(audit.Split('\n').Select(l => "      " + l + "\n")));

    [Fact]
    public async Task LoadAsync_NoAuditSection_DefaultsOfTheReference()
    {
        using var project = new TempProject();
        var audit = (await LoadAsync(project)).SiteProfile.Audit;
        Assert.False(audit.Enabled);
        Assert.Equal(Path.Combine(project.Root, "audit", "logs-dev.jsonl"), audit.Path);
        Assert.Equal(52_428_800, audit.MaxFileSize);
        Assert.Equal("jsonl", audit.Backend);
        Assert.True(audit.FlushToDisk);
        Assert.Equal(90, audit.EffectiveRetentionDays);
        Assert.Equal(10_000, audit.QueueCapacity);
        Assert.Empty(audit.FieldRedactions);
    }

    [Fact]
    public async Task LoadAsync_EveryKey_Read()
    {
        using var project = Site("""
            enabled: true
            path: logs/a.jsonl
            max_file_size: 1000
            backend: postgres
            fsync: none
            retention_days: 30
            queue_capacity: 500
            field_redactions:
              - {field_path: user.email, strategy: email, options: {preserve_domain: false}}
              - {field_path: ssn}
            """);
        var audit = (await LoadAsync(project)).SiteProfile.Audit;
        Assert.True(audit.Enabled);
        Assert.Equal(Path.Combine(project.Root, "logs", "a.jsonl"), audit.Path);
        Assert.Equal(1000, audit.MaxFileSize);
        Assert.Equal("postgres", audit.Backend);
        Assert.False(audit.FlushToDisk);
        Assert.Equal(30, audit.EffectiveRetentionDays);
        Assert.Equal(500, audit.QueueCapacity);
        Assert.Equal(2, audit.FieldRedactions.Count);
        Assert.Equal(("user.email", RedactionStrategy.Email, false), (audit.FieldRedactions[0].FieldPath, audit.FieldRedactions[0].Strategy, audit.FieldRedactions[0].Options.PreserveDomain));
        Assert.Equal(RedactionStrategy.Full, audit.FieldRedactions[1].Strategy);
    }

    [Theory]
    [InlineData("fsync: always", "mxcp-site.yml:8:14: profiles.dev.audit.fsync: expected one of batch, none, got 'always'")]
    [InlineData("backend: Postgres!", "mxcp-site.yml:8:16: profiles.dev.audit.backend: expected a backend name such as jsonl or postgres, got 'Postgres!'")]
    [InlineData("retention_days: 0", "mxcp-site.yml:8:23: profiles.dev.audit.retention_days: must be at least 1, got 0")]
    [InlineData("queue_capacity: 5", "mxcp-site.yml:8:23: profiles.dev.audit.queue_capacity: must be at least 10, got 5")]
    [InlineData("retension_days: 3", "mxcp-site.yml:8:7: profiles.dev.audit: unknown key 'retension_days' (did you mean 'retention_days'?)")]
    [InlineData("field_redactions: [{field_path: a, strategy: blur}]", "mxcp-site.yml:8:52: profiles.dev.audit.field_redactions[0].strategy: expected one of full, partial, hash, truncate, email, preserve_type, got 'blur'")]
    [InlineData("field_redactions: [{field_path: a..b}]", "mxcp-site.yml:8:39: profiles.dev.audit.field_redactions[0].field_path: expected a dot path such as 'user.email', got 'a..b'")]
    [InlineData("field_redactions: [{field_path: a, strategy: hash, options: {algorithm: md5}}]", "mxcp-site.yml:8:79: profiles.dev.audit.field_redactions[0].options.algorithm: expected one of sha256, sha1, got 'md5'")]
    [InlineData("field_redactions: [{field_path: a, strategy: email, options: {show_first: 1}}]", "mxcp-site.yml:8:69: profiles.dev.audit.field_redactions[0].options: unknown key 'show_first' (allowed keys: preserve_domain)")]
    public async Task LoadAsync_InvalidAuditKey_LocatedError(string line, string expected)
    {
        using var project = Site("enabled: true\n" + line);
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public async Task LoadAsync_ConnectionStringFromEnvironment_ResolvedForTheActiveProfileOnly()
    {
        using var project = Site("enabled: true\nbackend: postgres");
        project.Write("config.yml", """
            mxcp: 1
            projects:
              demo:
                profiles:
                  dev:
                    audit:
                      connection_string: "Host=127.0.0.1;Password=${AUDIT_PW}"
                  prod:
                    audit:
                      connection_string: "${UNSET_ELSEWHERE}"
            """);
        project.Env["MXCP_CONFIG"] = Path.Combine(project.Root, "config.yml");
        project.Env["AUDIT_PW"] = "pa55";
        var config = await LoadAsync(project);
        Assert.Equal("Host=127.0.0.1;Password=pa55", config.UserProfile.Audit!.ConnectionString);
        Assert.DoesNotContain("pa55", config.UserProfile.ToString(), StringComparison.Ordinal);
    }
}
