using System.Diagnostics;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.Python.Tests.TestSupport;

namespace Mxcp.Plugins.Python.Tests.Execution;

/// <summary>
/// The <c>@udf</c> methods of Python plugins as DuckDB SQL functions, with real python3 workers and the real DuckDB
/// plugin: types, NULLs, batching per data chunk, errors, crashes, timeouts, concurrency and reloads.
/// </summary>
public sealed class SqlFunctionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The plugin of the reference's own UDF tests (tests/server/test_plugin_base.py), one method per type.</summary>
    private const string TypesPlugin = """
        import base64
        from datetime import date, datetime, time, timedelta
        from decimal import Decimal
        from typing import Optional, TypedDict

        from mxcp.plugins import MXCPBasePlugin, udf


        class MyStruct(TypedDict):
            name: str
            value: int


        class MXCPPlugin(MXCPBasePlugin):
            @udf
            def add_ints(self, a: int, b: int) -> int:
                return a + b

            @udf
            def add_floats(self, a: float, b: float) -> float:
                return a + b

            @udf
            def not_bool(self, b: bool) -> bool:
                return not b

            @udf
            def echo_str(self, s: str) -> str:
                return s

            @udf
            def b64encode_bytes(self, b: bytes) -> str:
                return base64.b64encode(b).decode("ascii")

            @udf
            def add_days(self, d: date, days: int) -> date:
                return d + timedelta(days=days)

            @udf
            def add_hours(self, t: time, hours: int) -> time:
                return (datetime.combine(date.today(), t) + timedelta(hours=hours)).time()

            @udf
            def add_days_to_datetime(self, dt: datetime, days: int) -> datetime:
                return dt + timedelta(days=days)

            @udf
            def sum_list(self, nums: list[int]) -> int:
                return sum(nums)

            @udf
            def sum_map(self, d: dict[str, int]) -> int:
                return sum(d.values())

            @udf
            def struct_to_str(self, s: MyStruct) -> str:
                return f"{s['name']}={s['value']}"

            @udf
            def reverse(self, text: str) -> str:
                return text[::-1]

            @udf
            def repeat(self, text: str, times: int) -> str:
                return text * times

            @udf
            def return_my_struct(self) -> MyStruct:
                return {"name": "test", "value": 42}

            @udf
            def null_string(self, s: Optional[str]) -> bool:
                return s is None

            @udf
            def half(self, d: Decimal) -> Decimal:
                return d / 2

            @udf
            def longer(self, i: timedelta) -> timedelta:
                return i + timedelta(hours=1)

            @udf
            def squares(self, n: int) -> list[int]:
                return [k * k for k in range(n)]

            @udf
            def invert(self, d: dict[int, str]) -> dict[str, int]:
                return {v: k for k, v in d.items()}

            @udf
            def key_types(self, d: dict[int, str]) -> str:
                return ",".join(type(k).__name__ for k in d)

            def not_a_udf(self, x: int) -> int:
                return x
        """;

    private const string MathPlugin = """
        import os
        import time as _time

        from mxcp.plugins import MXCPBasePlugin, udf


        class MXCPPlugin(MXCPBasePlugin):
            @udf
            def twice(self, x: int) -> int:
                return 2 * x

            @udf
            def boom(self, x: str) -> str:
                raise ValueError(f"no good: {x}")

            @udf
            def big(self, x: int) -> int:
                return 3000000000

            @udf
            def text(self, x: int) -> int:
                return "seven"

            @udf
            def crash(self, x: str) -> str:
                if x == "crash":
                    os._exit(3)
                return x

            @udf
            def nap(self, seconds: float) -> float:
                _time.sleep(seconds)
                return seconds

            @udf
            def whoami(self, x: int) -> str:
                return f"{self.get_username()}:{x}"
        """;

    private static async Task<JsonNode?> ScalarAsync(ISqlDatabase sql, string expression, CallContext? context = null)
    {
        var rows = await sql.QueryAsync($"SELECT {expression} AS v", context: context, cancellationToken: Ct);
        return Assert.Single(rows)!["v"];
    }

    [Fact]
    public async Task Query_ReferenceTypeMapping_EachTypeRoundTrips()
    {
        await using var project = new PluginFunctionProject();
        project.AddPlugin("udf", "types_plugin", TypesPlugin);
        var (sql, python) = await project.StartAsync();

        Assert.Equal(20, python.SqlFunctions.Count);
        Assert.Contains(python.SqlFunctions, f => f.ToString() == "add_ints_udf(INTEGER, INTEGER) -> INTEGER");
        Assert.Contains(python.SqlFunctions, f => f.ToString() == "struct_to_str_udf(STRUCT(\"name\" VARCHAR, \"value\" INTEGER)) -> VARCHAR");
        Assert.DoesNotContain(python.SqlFunctions, f => f.Name == "not_a_udf_udf");

        Assert.Equal(5, (long)(await ScalarAsync(sql, "add_ints_udf(2, 3)"))!);
        Assert.Equal(3.0, (double)(await ScalarAsync(sql, "add_floats_udf(1.0, 2.0)"))!);
        Assert.False((bool)(await ScalarAsync(sql, "not_bool_udf(TRUE)"))!);
        Assert.True((bool)(await ScalarAsync(sql, "not_bool_udf(FALSE)"))!);
        Assert.Equal("hello", (string)(await ScalarAsync(sql, "echo_str_udf('hello')"))!);
        Assert.Equal("aGVsbG8=", (string)(await ScalarAsync(sql, "b64encode_bytes_udf(encode('hello'))"))!);
        Assert.Equal(10, (long)(await ScalarAsync(sql, "sum_list_udf([1,2,3,4])"))!);
        Assert.Equal(30, (long)(await ScalarAsync(sql, "sum_map_udf(map(['a','b'], [10, 20]))"))!);
        Assert.Equal("foo=42", (string)(await ScalarAsync(sql, "struct_to_str_udf({'name': 'foo', 'value': 42})"))!);
        Assert.Equal("olleh", (string)(await ScalarAsync(sql, "reverse_udf('hello')"))!);
        Assert.Equal("", (string)(await ScalarAsync(sql, "reverse_udf('')"))!);
        Assert.Equal("hahaha", (string)(await ScalarAsync(sql, "repeat_udf('ha', 3)"))!);
        Assert.Equal("""{"name":"test","value":42}""", (await ScalarAsync(sql, "return_my_struct_udf()"))!.ToJsonString());
        Assert.Equal("2024-04-04", (string)(await ScalarAsync(sql, "add_days_udf(DATE '2024-03-30', 5)"))!);
        Assert.Equal("01:30:00", (string)(await ScalarAsync(sql, "add_hours_udf(TIME '23:30:00', 2)"))!);
        Assert.Equal("2024-04-04T23:59:59Z", (string)(await ScalarAsync(sql, "add_days_to_datetime_udf(TIMESTAMP '2024-03-30 23:59:59', 5)"))!);
        Assert.True((bool)(await ScalarAsync(sql, "null_string_udf(NULL)"))!);
        Assert.False((bool)(await ScalarAsync(sql, "null_string_udf('')"))!);
        Assert.Equal("1.250", (await ScalarAsync(sql, "half_udf(2.5)"))!.ToJsonString());
        Assert.Equal("P1DT2H30M", (string)(await ScalarAsync(sql, "longer_udf(INTERVAL '1 day 90 minutes')"))!);
        Assert.Equal("[0,1,4,9]", (await ScalarAsync(sql, "squares_udf(4)"))!.ToJsonString());
        Assert.Equal("""{"a":1,"b":2}""", (await ScalarAsync(sql, "invert_udf(map([1, 2], ['a', 'b']))"))!.ToJsonString());
        Assert.Equal("int,int", (string)(await ScalarAsync(sql, "key_types_udf(map([1, 2], ['a', 'b']))"))!);
    }

    [Fact]
    public async Task Query_TenThousandRows_OneWorkerCallPerDataChunkNotPerRow()
    {
        await using var project = new PluginFunctionProject();
        project.AddPlugin("math", "math_plugin", MathPlugin);
        var (sql, python) = await project.StartAsync();

        var rows = await sql.QueryAsync("SELECT count(*) AS n, sum(twice_math(i::INTEGER)) AS s FROM range(10000) t(i)", cancellationToken: Ct);

        Assert.Equal("""[{"n":10000,"s":99990000}]""", rows.ToJsonString());
        // DuckDB hands a scalar function 2,048 rows at a time: 5 chunks for 10,000 rows (a parallel scan may cut a few more).
        Assert.InRange(python.SqlFunctionBatches, 5, 12);
        Assert.Contains(project.Logs.Messages, m => m.Message == "Python SQL function twice_math: 2048 rows in one call to worker 0");
    }

    [Fact]
    public async Task Query_NullsBetweenValues_ReachPythonAsNoneRowByRow()
    {
        await using var project = new PluginFunctionProject();
        project.AddPlugin("udf", "types_plugin", TypesPlugin);
        var (sql, _) = await project.StartAsync();

        var rows = await sql.QueryAsync(
            "SELECT count(*) FILTER (WHERE null_string_udf(CASE WHEN i % 3 = 0 THEN NULL ELSE 'x' END)) AS nulls, " +
            "count(*) FILTER (WHERE echo_str_udf(CASE WHEN i % 5 = 0 THEN NULL ELSE i::VARCHAR END) IS NULL) AS echoed_nulls FROM range(5000) t(i)",
            cancellationToken: Ct);

        Assert.Equal("""[{"nulls":1667,"echoed_nulls":1000}]""", rows.ToJsonString());
    }

    [Fact]
    public async Task Query_PythonRaises_QueryFailsWithAnErrorNamingTheFunction()
    {
        await using var project = new PluginFunctionProject();
        project.AddPlugin("math", "math_plugin", MathPlugin);
        var (sql, _) = await project.StartAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ScalarAsync(sql, "boom_math('abc')"));

        Assert.Equal("Invalid Input Error: SQL function boom_math: ValueError: no good: abc", error.Message);
        Assert.Contains(project.Logs.Messages, m => m.Message.StartsWith("Python SQL function boom_math raised ValueError: no good: abc", StringComparison.Ordinal)
            && m.Message.Contains("math_plugin.py\", line", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Query_ResultNotOfTheDeclaredType_ClearError()
    {
        await using var project = new PluginFunctionProject();
        project.AddPlugin("math", "math_plugin", MathPlugin);
        var (sql, _) = await project.StartAsync();

        var tooBig = await Assert.ThrowsAnyAsync<Exception>(() => ScalarAsync(sql, "big_math(1)"));
        var text = await Assert.ThrowsAnyAsync<Exception>(() => ScalarAsync(sql, "text_math(1)"));

        Assert.Equal("Invalid Input Error: SQL function big_math: result, row 1: 3000000000 (integer) does not fit INTEGER", tooBig.Message);
        Assert.Equal("Invalid Input Error: SQL function text_math: result, row 1: \"seven\" (text) is not a INTEGER", text.Message);
    }

    [Fact]
    public async Task Query_WorkerDiesDuringTheFunction_ThatQueryFailsAndTheRestartedWorkerServes()
    {
        await using var project = new PluginFunctionProject();
        project.AddPlugin("math", "math_plugin", MathPlugin);
        var (sql, python) = await project.StartAsync();
        var pid = Assert.Single(python.Workers).Pid;

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ScalarAsync(sql, "crash_math('crash')"));
        var after = await ScalarAsync(sql, "crash_math('fine')");

        Assert.Equal("Invalid Input Error: SQL function crash_math: The Python worker exited unexpectedly (exit code 3) while running this call; it is being restarted", error.Message);
        Assert.Equal("fine", (string)after!);

        // The pool lists the new worker once it has registered it, which may come just after it answered.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (python.Workers is not [{ } worker] || worker.Pid == pid)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the pool lists [{string.Join(", ", python.Workers.Select(w => w.Pid))}], not one new worker (the crashed one was {pid})");
            await Task.Delay(50, Ct);
        }
    }

    [Fact]
    public async Task Query_FunctionLongerThanTheTimeout_FailsNamingTheTimeout()
    {
        await using var project = new PluginFunctionProject();
        project.Settings["timeout"] = 1;
        project.AddPlugin("math", "math_plugin", MathPlugin);
        var (sql, _) = await project.StartAsync();

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ScalarAsync(sql, "nap_math(20)"));

        Assert.Equal("Invalid Input Error: SQL function nap_math: timed out after 1 s and was cancelled (python.timeout)", error.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the query waited {watch.Elapsed} for a 1 s timeout");
        Assert.Equal(0.5, (double)(await ScalarAsync(sql, "nap_math(0.5)"))!);
    }

    [Fact]
    public async Task Query_CancelledWhileTheFunctionRuns_EndsWithOperationCanceled()
    {
        await using var project = new PluginFunctionProject();
        project.AddPlugin("math", "math_plugin", MathPlugin);
        var (sql, _) = await project.StartAsync();

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(500));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await sql.QueryAsync("SELECT nap_math(20) AS v", cancellationToken: cancel.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"cancelling took {watch.Elapsed}");
    }

    [Fact]
    public async Task Query_SeveralCallersAtOnce_EachGetsItsOwnResults()
    {
        await using var project = new PluginFunctionProject();
        project.Settings["workers"] = 2;
        project.AddPlugin("math", "math_plugin", MathPlugin);
        var (sql, python) = await project.StartAsync();

        var queries = Enumerable.Range(1, 8).Select(k => sql.QueryAsync(
            "SELECT sum(twice_math((i * $k)::INTEGER)) AS s, count(*) AS n FROM range(3000) t(i)",
            new Dictionary<string, object?> { ["k"] = (long)k }, cancellationToken: Ct).AsTask()).ToArray();
        var results = await Task.WhenAll(queries);

        for (var k = 1; k <= 8; k++)
        {
            Assert.Equal($$"""[{"s":{{2L * k * 2999 * 3000 / 2}},"n":3000}]""", results[k - 1].ToJsonString());
        }

        Assert.InRange(python.SqlFunctionBatches, 16, 40);
    }

    [Fact]
    public async Task Query_InACall_ThePluginSeesTheCallsUser()
    {
        await using var project = new PluginFunctionProject();
        project.AddPlugin("math", "math_plugin", MathPlugin);
        var (sql, _) = await project.StartAsync();
        var call = new CallContext { Transport = "stdio", User = new UserContext { Provider = "test", Username = "ann" } };

        Assert.Equal("ann:1", (string)(await ScalarAsync(sql, "whoami_math(1)", call))!);
        Assert.Equal("None:2", (string)(await ScalarAsync(sql, "whoami_math(2)"))!);
    }

    [Fact]
    public async Task Query_SameTextForDifferentUsers_EachCallSeesItsOwnUserThroughTheKeptStatement()
    {
        // The DuckDB plugin keeps prepared statements per connection: a function that took the caller when the statement
        // was bound would answer every later call with the first caller.
        await using var project = new PluginFunctionProject();
        project.AddPlugin("math", "math_plugin", MathPlugin);
        var (sql, _) = await project.StartAsync();
        static CallContext As(string name) => new() { Transport = "stdio", User = new UserContext { Provider = "test", Username = name } };

        foreach (var name in new[] { "ann", "bob", "ann", "cy" })
        {
            Assert.Equal($"{name}:1", (string)(await ScalarAsync(sql, "whoami_math(1)", As(name)))!);
        }

        Assert.Equal("None:1", (string)(await ScalarAsync(sql, "whoami_math(1)"))!);
        var names = Enumerable.Range(0, 24).Select(i => $"user{i}").ToArray();
        var answers = await Task.WhenAll(names.Select(name => ScalarAsync(sql, "whoami_math(1)", As(name))));
        Assert.Equal(names.Select(name => $"{name}:1"), answers.Select(a => (string)a!));
    }

    [Fact]
    public async Task Start_PluginConfigFromTheUserConfig_ReachesTheConstructorAndInitHooksCallTheFunctions()
    {
        await using var project = new PluginFunctionProject();
        project.PluginConfig["rot1"] = new JsonObject { ["rotation"] = "1" };
        project.AddPlugin("str_secret", "cipher", """
            from mxcp.plugins import MXCPBasePlugin, udf

            class MXCPPlugin(MXCPBasePlugin):
                def __init__(self, config, user_context=None):
                    super().__init__(config, user_context)
                    self.rotation = int(config["rotation"])

                @udf
                def decrypt(self, text: str) -> str:
                    return "".join(chr((ord(c) - 97 - self.rotation) % 26 + 97) if c.isalpha() else c for c in text)
            """, config: "rot1");
        project.Write("python/hooks.py", """
            from mxcp.runtime import db, on_init

            seen = []

            @on_init
            def warm():
                seen.append(db.execute("SELECT decrypt_str_secret('usbmbmb') AS v")[0]["v"])

            def first_seen():
                return seen
            """);
        var (sql, python) = await project.StartAsync();

        Assert.Equal("tralala", (string)(await ScalarAsync(sql, "decrypt_str_secret('usbmbmb')"))!);
        var endpoint = PythonProject.Tool("first_seen", Path.Combine(project.Root, "python", "hooks.py"));
        var seen = await python.ExecuteAsync(PythonProject.Call(endpoint), Ct);
        Assert.Equal("""["tralala"]""", seen!.ToJsonString());
    }

    [Fact]
    public async Task Start_SqlFunctionsOnly_LoadsThePluginsButNotTheProjectsModulesOrHooks()
    {
        await using var project = new PluginFunctionProject();
        project.AddPlugin("math", "math_plugin", MathPlugin);
        var marker = Path.Combine(project.Root, "imported.txt");
        project.Write("python/side_effect.py", $"open({System.Text.Json.JsonSerializer.Serialize(marker)}, 'w').write('imported')\n");
        var (sql, python) = await project.StartAsync(sqlFunctionsOnly: true);

        Assert.Equal(14, (long)(await ScalarAsync(sql, "twice_math(7)"))!);
        Assert.False(File.Exists(marker), "validate-only start imported the project's python/ modules");
    }

    [Fact]
    public async Task Start_UdfWithoutAConcreteType_FailsNamingThePluginAndTheMethod()
    {
        await using var project = new PluginFunctionProject();
        project.AddPlugin("loose", "loose_plugin", """
            from typing import Any
            from mxcp.plugins import MXCPBasePlugin, udf

            class MXCPPlugin(MXCPBasePlugin):
                @udf
                def anything(self, x: Any) -> str:
                    return str(x)
            """);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => project.StartAsync());

        Assert.Equal(
            "plugin 'loose' (module loose_plugin): UDF anything of MXCPPlugin: Type 'Any' is not supported in UDF type annotations. Please specify a concrete type.",
            error.Message);
    }

    [Fact]
    public async Task Reload_NewSnapshot_RegistersItsFunctionsWhileTheOldOneKeepsItsOwn()
    {
        await using var project = new PluginFunctionProject();
        const string Version1 = """
            from mxcp.plugins import MXCPBasePlugin, udf

            class MXCPPlugin(MXCPBasePlugin):
                @udf
                def version(self, x: int) -> str:
                    return f"v1:{x}"
            """;
        project.AddPlugin("p", "versioned", Version1);
        var (oldSql, _) = await project.StartAsync();
        Assert.Equal("v1:1", (string)(await ScalarAsync(oldSql, "version_p(1)"))!);

        // A reload builds the new snapshot (new executors on the same database file) before the old one retires.
        project.Write("plugins/versioned.py", Version1.Replace("v1:", "v2:", StringComparison.Ordinal) + """

                @udf
                def added(self, x: str) -> str:
                    return x.upper()
            """);
        var (newSql, _) = await project.StartAsync();

        Assert.Equal("v2:2", (string)(await ScalarAsync(newSql, "version_p(2)"))!);
        Assert.Equal("NEW", (string)(await ScalarAsync(newSql, "added_p('new')"))!);
        Assert.Equal("v1:3", (string)(await ScalarAsync(oldSql, "version_p(3)"))!);
        var missing = await Assert.ThrowsAnyAsync<Exception>(() => ScalarAsync(oldSql, "added_p('old')"));
        Assert.Contains("SQL function added_p(VARCHAR) is not provided by the project's plugins any more", missing.Message, StringComparison.Ordinal);

        await project.StopAsync(oldSql);
        Assert.Equal("v2:4", (string)(await ScalarAsync(newSql, "version_p(4)"))!);
    }
}
