using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.Python.Tests.TestSupport;

namespace Mxcp.Plugins.Python.Tests.Execution;

/// <summary>Calls of sync and async functions: arguments, return values, errors, and what the worker prints.</summary>
public sealed class CallTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Execute_SyncFunction_ReturnsItsValue()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/greet.py", """
            def hello(name):
                return {"greeting": f"Hello, {name}!", "length": len(name)}
            """);
        var executor = await project.StartAsync();
        var tool = PythonProject.Tool("hello", file, "name");

        Assert.Empty(await executor.ValidateAsync(tool, null, Ct));
        var result = await executor.ExecuteAsync(PythonProject.Call(tool, new Dictionary<string, object?> { ["name"] = "Ann" }), Ct);

        Assert.Equal("""{"greeting":"Hello, Ann!","length":3}""", result!.ToJsonString());
    }

    [Fact]
    public async Task Execute_ResultOverTheLimits_RefusedNamingTheLimit()
    {
        await using var project = new PythonProject { ResultLimits = new ResultLimits { MaxRows = 1000, MaxBytes = 64 * 1024 } };
        var file = project.Write("python/big.py", """
            def rows(n):
                return [{"i": i} for i in range(int(n))]

            def wide(n):
                return {"text": "x" * int(n)}
            """);
        var executor = await project.StartAsync();

        var rows = await Assert.ThrowsAsync<ResultTooLargeException>(async () =>
            await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("rows", file, "n"), new Dictionary<string, object?> { ["n"] = 3_000_000 }), Ct));
        Assert.StartsWith("The result has more than 1,000 rows", rows.Message, StringComparison.Ordinal);
        Assert.Contains("MXCP_MAX_RESULT_ROWS", rows.Message, StringComparison.Ordinal);

        var bytes = await Assert.ThrowsAsync<ResultTooLargeException>(async () =>
            await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("wide", file, "n"), new Dictionary<string, object?> { ["n"] = 100_000 }), Ct));
        Assert.StartsWith("The result is larger than 65,536 bytes of JSON", bytes.Message, StringComparison.Ordinal);

        var fits = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("rows", file, "n"), new Dictionary<string, object?> { ["n"] = 1000 }), Ct);
        Assert.Equal(1000, fits!.AsArray().Count);
    }

    [Fact]
    public async Task Execute_AsyncFunction_RunsOnTheEventLoop()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/slow.py", """
            import asyncio, threading

            async def wait(ms):
                await asyncio.sleep(int(ms) / 1000)
                return {"thread": threading.current_thread().name, "waited": int(ms)}
            """);
        var executor = await project.StartAsync();
        var tool = PythonProject.Tool("wait", file, "ms");

        var result = await executor.ExecuteAsync(PythonProject.Call(tool, new Dictionary<string, object?> { ["ms"] = "20" }), Ct);

        Assert.Equal("mxcp-loop", result!["thread"]!.GetValue<string>());
        Assert.Equal(20, result["waited"]!.GetValue<int>());
    }

    [Fact]
    public async Task Execute_TypedArguments_ArriveAsPythonTypes()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/types.py", """
            def describe(**kwargs):
                return {k: type(v).__name__ + ":" + repr(v) for k, v in sorted(kwargs.items())}
            """);
        var executor = await project.StartAsync();
        var tool = PythonProject.Tool("describe", file);
        var arguments = new Dictionary<string, object?>
        {
            ["d"] = new DateOnly(2024, 2, 29),
            ["t"] = new TimeOnly(13, 45, 30),
            ["dt"] = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)),
            ["n"] = 42L,
            ["x"] = 1.5,
            ["b"] = true,
            ["none"] = null,
            ["items"] = new List<object?> { 1L, "two" },
            ["obj"] = new Dictionary<string, object?> { ["$mxcp"] = "kept", ["k"] = new DateOnly(2020, 1, 1) },
        };

        var result = (JsonObject)(await executor.ExecuteAsync(PythonProject.Call(tool, arguments), Ct))!;

        Assert.Equal("date:datetime.date(2024, 2, 29)", result["d"]!.GetValue<string>());
        Assert.Equal("time:datetime.time(13, 45, 30)", result["t"]!.GetValue<string>());
        Assert.Equal("datetime:datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(seconds=7200)))", result["dt"]!.GetValue<string>());
        Assert.Equal("int:42", result["n"]!.GetValue<string>());
        Assert.Equal("float:1.5", result["x"]!.GetValue<string>());
        Assert.Equal("bool:True", result["b"]!.GetValue<string>());
        Assert.Equal("NoneType:None", result["none"]!.GetValue<string>());
        Assert.Equal("list:[1, 'two']", result["items"]!.GetValue<string>());
        Assert.Equal("dict:{'$mxcp': 'kept', 'k': datetime.date(2020, 1, 1)}", result["obj"]!.GetValue<string>());
    }

    [Fact]
    public async Task Execute_RichReturnValues_BecomeJson()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/values.py", """
            import datetime, decimal, uuid, enum, dataclasses

            class Color(enum.Enum):
                RED = "red"

            @dataclasses.dataclass
            class Point:
                x: int
                y: int

            def values():
                return {
                    "date": datetime.date(2024, 3, 1),
                    "time": datetime.time(8, 30),
                    "datetime": datetime.datetime(2024, 3, 1, 8, 30, 15, tzinfo=datetime.timezone.utc),
                    "naive": datetime.datetime(2024, 3, 1, 8, 30),
                    "decimal": decimal.Decimal("12345678901234567890.123456789"),
                    "bytes": b"\x00\x01hi",
                    "duration": datetime.timedelta(days=1, hours=2, minutes=3, seconds=4),
                    "set": {3},
                    "tuple": (1, "a"),
                    "nan": float("nan"),
                    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
                    "enum": Color.RED,
                    "point": Point(1, 2),
                    "unicode": "café ☕",
                    7: "int key",
                }
            """);
        var executor = await project.StartAsync();

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("values", file)), Ct);

        Assert.Equal(
            """{"date":"2024-03-01","time":"08:30:00","datetime":"2024-03-01T08:30:15+00:00","naive":"2024-03-01T08:30:00Z","decimal":12345678901234567890.123456789,"bytes":"AAFoaQ==","duration":"P1DT2H3M4S","set":[3],"tuple":[1,"a"],"nan":null,"uuid":"12345678-1234-5678-1234-567812345678","enum":"red","point":{"x":1,"y":2},"unicode":"café ☕","7":"int key"}""",
            result!.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    [Fact]
    public async Task Execute_PythonException_IsAnErrorWithTheMessageAndTheTracebackGoesToTheLog()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/fail.py", """
            def divide(a, b):
                return int(a) / int(b)

            def refuse():
                raise ValueError("Customer 42 is not allowed here")
            """);
        var executor = await project.StartAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("refuse", file)), Ct).AsTask());
        Assert.Equal("Customer 42 is not allowed here", error.Message);

        var zero = await Assert.ThrowsAnyAsync<Exception>(() =>
            executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("divide", file, "a", "b"), new Dictionary<string, object?> { ["a"] = "1", ["b"] = "0" }), Ct).AsTask());
        Assert.Equal("division by zero", zero.Message);
        Assert.DoesNotContain("Traceback", zero.Message, StringComparison.Ordinal);

        Assert.Contains(project.Logs.Messages, m => m.Message.Contains("tool/refuse raised ValueError", StringComparison.Ordinal)
            && m.Message.Contains("Traceback (most recent call last)", StringComparison.Ordinal)
            && m.Message.Contains("fail.py\", line 5, in refuse", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Execute_FunctionThatPrintsAndWritesToFd1_DoesNotCorruptTheProtocol()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/noisy.py", """
            import os, sys, subprocess

            print("hello from import time")

            def noisy():
                print("printed to stdout")
                sys.stdout.write("\x00\x00\x00\x10{not a frame}\n")
                sys.__stdout__.write("to the original stdout\n")
                sys.__stdout__.flush()
                os.write(1, b"\x00\x00\x00\x05raw fd 1\n")
                subprocess.run(["echo", "a child writing to its stdout"], check=True)
                return "still fine"
            """);
        var executor = await project.StartAsync();

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("noisy", file)), Ct);
        var again = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("noisy", file)), Ct);

        Assert.Equal("still fine", result!.GetValue<string>());
        Assert.Equal("still fine", again!.GetValue<string>());
        await WaitFor(() => project.Logs.All.Contains("a child writing to its stdout", StringComparison.Ordinal));
        Assert.Contains("printed to stdout", project.Logs.All, StringComparison.Ordinal);
        Assert.Contains("hello from import time", project.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_UnserialisableReturnValue_IsAClearError()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/bad.py", """
            class Opaque:
                pass

            def bad():
                return {"x": Opaque()}
            """);
        var executor = await project.StartAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("bad", file)), Ct).AsTask());

        Assert.Equal("The function returned a value that cannot be sent as JSON: Object of type Opaque is not JSON serializable", error.Message);
    }

    [Fact]
    public async Task Execute_Resource_CallsMainThenTheFileStem()
    {
        await using var project = new PythonProject();
        var withMain = project.Write("python/report.py", """
            from datetime import date

            def helper():
                return "not me"

            def main(region):
                return f"report for {region}"
            """);
        var withStem = project.Write("python/summary.py", """
            from datetime import date

            def summary():
                return "summary"
            """);
        var withOther = project.Write("python/listing.py", """
            from datetime import date

            def listing_of_things():
                return "own function first"
            """);
        var executor = await project.StartAsync();

        Assert.Equal("report for eu", (await executor.ExecuteAsync(PythonProject.Call(PythonProject.Resource("data://report/{region}", withMain, "region"), new Dictionary<string, object?> { ["region"] = "eu" }), Ct))!.GetValue<string>());
        Assert.Equal("summary", (await executor.ExecuteAsync(PythonProject.Call(PythonProject.Resource("data://summary", withStem)), Ct))!.GetValue<string>());
        Assert.Equal("own function first", (await executor.ExecuteAsync(PythonProject.Call(PythonProject.Resource("data://listing", withOther)), Ct))!.GetValue<string>());
    }

    [Fact]
    public async Task Execute_FileOutsidePythonFolder_IsLoadedUnderItsOwnName()
    {
        await using var project = new PythonProject();
        var file = project.Write("tools/json.py", """
            def json_tool():
                return __name__
            """);
        var executor = await project.StartAsync();

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("json_tool", file)), Ct);

        Assert.StartsWith("_mxcp_endpoint_json_", result!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_ModulesUnderPython_ImportEachOther()
    {
        await using var project = new PythonProject();
        project.Write("python/helpers/__init__.py", "");
        project.Write("python/helpers/text.py", """
            def shout(s):
                return s.upper() + "!"
            """);
        var file = project.Write("python/api.py", """
            from helpers.text import shout

            def call(word):
                return shout(word)
            """);
        var executor = await project.StartAsync();

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("call", file, "word"), new Dictionary<string, object?> { ["word"] = "hey" }), Ct);

        Assert.Equal("HEY!", result!.GetValue<string>());
    }

    internal static async Task WaitFor(Func<bool> condition, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(50);
        }
    }
}
