using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Tests.Database;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Functions;

/// <summary>The user-context SQL functions, with and without a call, and under concurrency.</summary>
public sealed class UserContextFunctionTests(DuckDbFixture db) : IClassFixture<DuckDbFixture>
{
    private const string AllFunctions =
        "SELECT get_username() AS username, get_user_email() AS email, get_user_provider() AS provider, " +
        "get_user_external_token() AS token, get_request_header('x-tenant') AS tenant, get_request_headers_json() AS headers";

    private static CallContext Call(string username, IReadOnlyDictionary<string, string>? headers = null) => new()
    {
        Transport = "streamable-http",
        User = new UserContext { Provider = "github", Username = username, Email = username + "@example.com", ExternalToken = "gho_" + username },
        RequestHeaders = headers ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase),
    };

    [Fact]
    public async Task QueryAsync_WithCallContext_FunctionsReturnTheCallsValues()
    {
        var headers = new Dictionary<string, string> { ["X-Tenant"] = "acme", ["Accept"] = "application/json" };
        var rows = await db.Executor.QueryAsync(AllFunctions, context: Call("ada", headers), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(
            "[{\"username\":\"ada\",\"email\":\"ada@example.com\",\"provider\":\"github\",\"token\":\"gho_ada\",\"tenant\":\"acme\"," +
            "\"headers\":\"{\\\"X-Tenant\\\":\\\"acme\\\",\\\"Accept\\\":\\\"application/json\\\"}\"}]",
            rows.ToJsonString(DuckDbFixture.Wire));
    }

    [Fact]
    public async Task QueryAsync_WithoutCallContext_AllNull()
    {
        var rows = await db.Executor.QueryAsync(AllFunctions, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"username\":null,\"email\":null,\"provider\":null,\"token\":null,\"tenant\":null,\"headers\":null}]", rows.ToJsonString());
    }

    [Fact]
    public async Task QueryAsync_AnonymousCallWithoutHeaders_AllNullAsInTheReference()
    {
        var rows = await db.Executor.QueryAsync(AllFunctions, context: Calls.Anonymous, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"username\":null,\"email\":null,\"provider\":null,\"token\":null,\"tenant\":null,\"headers\":null}]", rows.ToJsonString());
    }

    [Fact]
    public async Task QueryAsync_HeaderLookup_CaseInsensitiveAndNullWhenMissing()
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["authorization"] = "Bearer x" };
        var rows = await db.Executor.QueryAsync(
            "SELECT get_request_header('Authorization') AS a, get_request_header('AUTHORIZATION') AS b, get_request_header('x-missing') AS c, get_request_header(NULL) AS d",
            context: Call("bob", headers), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"a\":\"Bearer x\",\"b\":\"Bearer x\",\"c\":null,\"d\":null}]", rows.ToJsonString());
    }

    [Fact]
    public async Task QueryAsync_HeaderNamePerRow_EachRowLooksUpItsOwn()
    {
        var headers = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" };
        var rows = await db.Executor.QueryAsync(
            "SELECT name, get_request_header(name) AS value FROM (VALUES ('a'), ('b'), ('c')) t(name) ORDER BY name",
            context: Call("bob", headers), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"name\":\"a\",\"value\":\"1\"},{\"name\":\"b\",\"value\":\"2\"},{\"name\":\"c\",\"value\":null}]", rows.ToJsonString());
    }

    [Fact]
    public async Task ExecuteAsync_EndpointCall_SeesInvocationContext()
    {
        var result = await db.Executor.ExecuteAsync(
            Calls.Invocation(Calls.SqlTool("whoami"), "SELECT get_username() AS me", context: Call("grace")),
            TestContext.Current.CancellationToken);
        Assert.Equal("[{\"me\":\"grace\"}]", result!.ToJsonString());
    }

    [Fact]
    public async Task QueryAsync_TwentyParallelCallsWithDifferentUsers_EachSeesItsOwn()
    {
        // A parallel scan over many rows makes DuckDB evaluate the function on its worker threads.
        var users = Enumerable.Range(0, 20).Select(i => $"user{i}").ToArray();
        var results = await Task.WhenAll(users.Select(async user =>
        {
            var rows = await db.Executor.QueryAsync(
                "SELECT min(get_username()) AS lo, max(get_username()) AS hi, count(*) AS n FROM range(300000) WHERE get_username() IS NOT NULL",
                context: Call(user), cancellationToken: TestContext.Current.CancellationToken);
            return (user, row: rows[0]!);
        }));

        Assert.All(results, r =>
        {
            Assert.Equal(r.user, r.row["lo"]!.GetValue<string>());
            Assert.Equal(r.user, r.row["hi"]!.GetValue<string>());
            Assert.Equal(300000, r.row["n"]!.GetValue<long>());
        });
    }

    [Fact]
    public async Task QueryAsync_SameConnectionNextCall_PreviousUserForgotten()
    {
        // Every pooled connection has served a user; calls without a context must not see any of them.
        var served = await EveryConnection.QueryAsync(db.Executor, "SELECT get_username() AS u", context: Call("someone"));
        Assert.All(served, rows => Assert.Equal("[{\"u\":\"someone\"}]", rows.ToJsonString()));
        var after = await Task.WhenAll(Enumerable.Range(0, db.Executor.Pool.Size * 2).Select(_ =>
            db.Executor.QueryAsync("SELECT get_username() AS u", cancellationToken: TestContext.Current.CancellationToken).AsTask()));
        Assert.All(after, rows => Assert.Equal("[{\"u\":null}]", rows.ToJsonString()));
    }

    [Fact]
    public async Task QueryAsync_FunctionInsideView_EvaluatedPerCall()
    {
        await db.Executor.QueryAsync("CREATE OR REPLACE VIEW me AS SELECT get_username() AS u", context: Call("creator"),
            cancellationToken: TestContext.Current.CancellationToken);
        var rows = await db.Executor.QueryAsync("SELECT u FROM me", context: Call("reader"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"u\":\"reader\"}]", rows.ToJsonString());
    }

    [Theory]
    [InlineData("SELECT get_username() AS u, get_user_email() AS e, get_request_header('x-user') AS h, 7 AS n", 7)]
    [InlineData("SELECT get_username() AS u, get_user_email() AS e, get_request_header('x-user') AS h, $n::BIGINT AS n", 0)]
    [InlineData("SELECT min(get_username()) AS u, max(get_user_email()) AS e, max(get_request_header('x-user')) AS h, count(*) AS n FROM range(200000)", 200000)]
    public async Task QueryAsync_KeptStatementConcurrentCallersOfDifferentUsers_EachSeesItsOwn(string sql, long constant)
    {
        // Every connection prepares and keeps the statement for a first user; the calls after that, forty different
        // users at once, run the kept statements, and each must see its own identity and headers. DuckDB runs these kept
        // plans without binding them again (it does bind again, calling the functions' bind step, when a parameter
        // takes part in a filter), so a function that found its caller when bound would answer "first" here.
        var parameters = (int n) => new Dictionary<string, object?> { ["n"] = (long)n };
        await EveryConnection.QueryAsync(db.Executor, sql, parameters(1), Call("first"));
        var before = await StatementCacheTests.StatsAsync(db.Executor);

        var results = await Task.WhenAll(Enumerable.Range(1, 40).Select(async i =>
        {
            var user = $"user{i}";
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-User"] = user };
            var rows = await db.Executor.QueryAsync(sql, parameters(i), Call(user, headers), TestContext.Current.CancellationToken);
            return (i, user, row: rows[0]!);
        }));

        Assert.All(results, r =>
        {
            Assert.Equal(r.user, r.row["u"]!.GetValue<string>());
            Assert.Equal(r.user + "@example.com", r.row["e"]!.GetValue<string>());
            Assert.Equal(r.user, r.row["h"]!.GetValue<string>());
            Assert.Equal(constant + (sql.Contains("$n", StringComparison.Ordinal) ? r.i : 0), r.row["n"]!.GetValue<long>());
        });
        var after = await StatementCacheTests.StatsAsync(db.Executor);
        Assert.Equal(40, after.Hits - before.Hits);
        Assert.Equal(0, after.Misses - before.Misses);
    }
}
