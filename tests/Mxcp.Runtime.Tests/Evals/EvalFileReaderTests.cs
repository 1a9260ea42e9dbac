using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Evals;
using Mxcp.Runtime.Tests.TestSupport;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Tests.Evals;

public sealed class EvalFileReaderTests
{
    private static EvalSuite? Read(string yaml) => EvalFileReader.Read(YamlDocumentLoader.Load(yaml, "evals/x.yml"), "evals/x.yml");

    [Fact]
    public void Read_Suite_AllFields()
    {
        var suite = Read("""
            mxcp: 1
            suite: churn
            description: d
            model: gpt-4o
            tests:
              - name: t1
                prompt: Who churned?
                user_context: {role: admin}
                assertions:
                  must_call: [{tool: churn, args: {months: 3}}]
                  must_not_call: [delete]
                  answer_contains: [customer]
                  answer_not_contains: [error]
            """)!;
        Assert.Equal(("churn", "d", "gpt-4o"), (suite.Suite, suite.Description, suite.Model));
        var test = Assert.Single(suite.Tests);
        Assert.Equal("admin", test.UserContext!.Value.GetProperty("role").GetString());
        Assert.Equal("churn", Assert.Single(test.Assertions.MustCall).Tool);
        Assert.Equal("months", Assert.Single(test.Assertions.MustCall[0].Args).Key);
        Assert.Equal(["delete"], test.Assertions.MustNotCall);
    }

    [Fact]
    public void Read_NoMxcpKey_NotAnEvalFile() => Assert.Null(Read("suite: s\ntests: []\n"));

    [Theory]
    [InlineData("mxcp: 1\nsuite: 1bad\ntests: []\n", "evals/x.yml:2:8: suite: Eval suite name must start with a letter or underscore")]
    [InlineData("mxcp: 1\nsuite: s\ntests:\n  - {name: t, prompt: p, assertions: {must_cal: []}}\n", "evals/x.yml:4:39: tests[0].assertions: unknown key 'must_cal' (did you mean 'must_call'?)")]
    [InlineData("mxcp: 1\nsuite: s\ntests:\n  - {name: t-1, prompt: p, assertions: {}}\n", "evals/x.yml:4:12: tests[0].name: Eval test name must contain only alphanumeric characters or underscores")]
    [InlineData("mxcp: 1\nsuite: s\ntests:\n  - {name: t, assertions: {}}\n", "evals/x.yml:4:5: tests[0].prompt: required key is missing")]
    public void Read_BadInput_NamesFileLineAndKey(string yaml, string expected) =>
        Assert.Equal(expected, Assert.Throws<ProjectFileException>(() => Read(yaml)).Message);

    [Fact]
    public void Discover_SkipsFilesWithoutMxcpAndReportsBrokenOnes()
    {
        using var project = new TempProject();
        project.Write("evals/good.yml", "mxcp: 1\nsuite: good\ntests: []\n");
        project.Write("evals/notes.yml", "just: notes\n");
        project.Write("evals/sub/bad.yaml", "mxcp: 1\nsuite: bad\n");
        var config = new ProjectConfiguration
        {
            ProjectRoot = project.Root,
            SiteFile = Path.Combine(project.Root, "mxcp-site.yml"),
            Site = new SiteConfig { Project = "demo", Profile = "dev" },
            User = new UserConfig(),
            Profile = "dev",
            SiteProfile = new SiteProfileConfig(),
            UserProfile = new UserProfileConfig(),
            SiteJson = default,
            UserJson = default,
        };
        var skipped = new List<string>();
        var files = EvalFileReader.Discover(config, skipped.Add);
        Assert.Equal(["evals/good.yml", "evals/sub/bad.yaml"], files.Select(f => f.DisplayPath));
        Assert.Equal("good", files[0].Suite!.Suite);
        Assert.Equal("Failed to load eval file evals/sub/bad.yaml:1:1: tests: required key is missing", files[1].Error);
        Assert.Equal(["Skipping evals/notes.yml: Not a mxcp eval file (missing 'mxcp' field)"], skipped);
    }
}
