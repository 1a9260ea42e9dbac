using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Execution;

/// <summary><c>ValidateAsync</c>: the parameter set check and the prepare check, with the reference's messages.</summary>
public sealed class ValidationTests(DuckDbFixture db) : IClassFixture<DuckDbFixture>
{
    private Task<IReadOnlyList<string>> Validate(string sql, params string[] parameters) =>
        db.Executor.ValidateAsync(Calls.SqlTool("t", parameters), sql, TestContext.Current.CancellationToken).AsTask();

    [Fact]
    public async Task ValidateAsync_MatchingParameters_NoErrors() =>
        Assert.Empty(await Validate("SELECT $a AS a, $b AS b", "a", "b"));

    [Fact]
    public async Task ValidateAsync_UsedButNotDeclared_MissingListed() =>
        Assert.Equal(["Parameter mismatch: missing={b, c}"], await Validate("SELECT $a, $c, $b", "a"));

    [Fact]
    public async Task ValidateAsync_DeclaredButNotUsed_NoErrorButAWarning()
    {
        Assert.Empty(await Validate("SELECT $a", "a", "z"));
        Assert.Equal(
            ["Parameter mismatch: extra={z} (declared but not used by the SQL; calls ignore them)"],
            db.Executor.Warnings(Calls.SqlTool("t", "a", "z"), "SELECT $a"));
    }

    [Fact]
    public async Task ValidateAsync_BothSides_BothListedSorted() =>
        Assert.Equal(["Parameter mismatch: missing={b}, extra={y, z}"], await Validate("SELECT $a, $b", "z", "a", "y"));

    [Fact]
    public async Task ValidateAsync_ParametersAcrossStatements_AllCounted() =>
        Assert.Empty(await Validate("SET VARIABLE x = $first; SELECT $second, getvariable('x')", "first", "second"));

    [Fact]
    public async Task ValidateAsync_DollarsInStringsAndComments_NotParameters() =>
        Assert.Empty(await Validate("SELECT '$notparam' AS a, $$also $not$$ AS b, 1 AS \"$col\", $real -- $comment\n/* $block */", "real"));

    [Fact]
    public async Task ValidateAsync_SyntaxError_DuckDbMessageWithPrefix()
    {
        var error = Assert.Single(await Validate("SELEC $a", "a"));
        Assert.StartsWith("Source code syntax validation failed: Parser Error: syntax error at or near \"SELEC\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAsync_UnknownTable_BinderErrorReported()
    {
        var error = Assert.Single(await Validate("SELECT * FROM missing_table"));
        Assert.StartsWith("Source code syntax validation failed: Catalog Error: Table with name missing_table does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAsync_TableCreatedByEarlierStatement_NotAnError() =>
        Assert.Empty(await Validate("CREATE TEMP TABLE staged AS SELECT 1 AS x; SELECT x FROM staged"));

    [Fact]
    public async Task ValidateAsync_DoesNotExecute_NoSideEffects()
    {
        Assert.Empty(await Validate("CREATE TABLE should_not_exist (x INTEGER)"));
        var rows = await db.Executor.QueryAsync("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'should_not_exist'",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"n\":0}]", rows.ToJsonString());
    }

    [Fact]
    public async Task ValidateAsync_NoSource_ClearMessage()
    {
        var endpoint = Calls.SqlTool("empty");
        Assert.Equal(["tool/empty has no SQL source: set source.code or source.file"],
            await db.Executor.ValidateAsync(new EndpointDefinition { Kind = endpoint.Kind, Name = endpoint.Name, Language = "sql" }, "  ", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ValidateAsync_BuiltInEndpoint_Skipped()
    {
        var builtIn = new EndpointDefinition { Kind = EndpointKind.Tool, Name = "list_tables", Language = "sql", IsBuiltIn = true };
        Assert.Empty(await db.Executor.ValidateAsync(builtIn, null, TestContext.Current.CancellationToken));
    }
}
