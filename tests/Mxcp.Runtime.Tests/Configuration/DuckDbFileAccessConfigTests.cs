using System.Text.Json;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Tests.TestSupport;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Tests.Configuration;

/// <summary><c>profiles.&lt;p&gt;.duckdb.file_access</c> and <c>allowed_paths</c>, the file sandbox of the DuckDB plugin.</summary>
public sealed class DuckDbFileAccessConfigTests
{
    private static readonly ProjectConfigurationLoader Loader = new([]);

    private static TempProject Site(string duckdb) =>
        new("mxcp: 1\nproject: demo\nprofile: dev\nprofiles:\n  dev:\n    duckdb:\n" + string.Concat(duckdb.Split('\n').Select(l => "      " + l + "\n")));

    [Fact]
    public async Task LoadAsync_FileAccessAndAllowedPaths_ReadAndPassedToPlugins()
    {
        using var project = Site("file_access: project\nallowed_paths: [shared, s3://bucket/data/]");
        var config = await Loader.LoadAsync(project.Options(), TestContext.Current.CancellationToken);
        Assert.Equal("project", config.SiteProfile.DuckDb.FileAccess);
        Assert.Equal([Path.Combine(project.Root, "shared"), "s3://bucket/data/"], config.SiteProfile.DuckDb.AllowedPaths);

        var duckdb = config.SiteJson.GetProperty("profiles").GetProperty("dev").GetProperty("duckdb");
        Assert.Equal("project", duckdb.GetProperty("file_access").GetString());
        Assert.Equal([Path.Combine(project.Root, "shared"), "s3://bucket/data/"], duckdb.GetProperty("allowed_paths").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task LoadAsync_UnknownFileAccess_LocatedError()
    {
        using var project = Site("file_access: everything");
        var e = await Assert.ThrowsAsync<ProjectFileException>(() => Loader.LoadAsync(project.Options(), TestContext.Current.CancellationToken));
        Assert.Equal("mxcp-site.yml:7:20: profiles.dev.duckdb.file_access: expected one of project, any, got 'everything'", e.Message);
    }
}
