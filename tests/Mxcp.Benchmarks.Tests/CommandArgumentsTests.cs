using Mxcp.Benchmarks.Harness;

namespace Mxcp.Benchmarks.Tests;

public sealed class CommandArgumentsTests
{
    [Fact]
    public void Allow_OnlyKnownOptions_DoesNotThrow()
    {
        var arguments = new CommandArguments(["--repo", "/r", "--quick", "--workloads", "lookup,trivial"]);

        arguments.Allow("repo", "quick", "servers", "workloads", "before");

        Assert.True(arguments.Flag("quick"));
        Assert.Equal("lookup,trivial", arguments.Optional("workloads"));
    }

    [Fact]
    public void Allow_MistypedOption_ThrowsNamingItAndTheKnownOnes()
    {
        var arguments = new CommandArguments(["--repo", "/r", "--workload", "lookup"]);

        var error = Assert.Throws<ArgumentException>(() => arguments.Allow("repo", "quick", "workloads"));

        Assert.Equal("Unknown option --workload (the options are --repo, --quick, --workloads)", error.Message);
    }

    [Fact]
    public void Constructor_ValueWithoutAnOption_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new CommandArguments(["lookup"]));

        Assert.Contains("'lookup'", error.Message, StringComparison.Ordinal);
    }
}
