using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.AspNetCore.Tests.Support;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>
/// What hostile or careless clients send: slow bodies, too many requests from one client, malformed JSON-RPC,
/// cancelled requests and random bodies. None may get a 500, hold a request slot without running a call, or log an
/// error.
/// </summary>
public sealed class HardeningTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":"x"}""", -32602, "Invalid params: 'params' must be an object, not a string")]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":[1,2]}""", -32602, "Invalid params: 'params' must be an object, not an array")]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","name":"x"}}""", -32600, "Invalid Request: duplicate property 'name'")]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"text":"\ud800"}}}""", -32602, "Invalid params: the string at $.params.arguments.text holds an unpaired UTF-16 surrogate")]
    public async Task Post_MalformedJsonRpc_Is400WithMessageAndNoErrorLog(string body, int code, string message)
    {
        var logs = new RecordingLogs();
        await using var server = await McpTestServer.StartAsync(services: logs.Register);
        using var http = new HttpClient();
        using var response = await http.SendAsync(Post(server, body), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(code, error.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(message, error.GetProperty("error").GetProperty("message").GetString());
        Assert.Empty(logs.AtLeast(LogLevel.Error));
        Assert.Single(logs.AtLeast(LogLevel.Warning));
    }

    [Fact]
    public async Task ReadResource_UnknownUri_ResourceNotFoundLoggedAsWarningWithoutStackTrace()
    {
        var logs = new RecordingLogs();
        await using var server = await McpTestServer.StartAsync(services: logs.Register);
        await using var client = await server.ConnectAsync("2025-11-25");
        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("web://nope", cancellationToken: Ct).AsTask());
        Assert.Equal(McpErrorCode.ResourceNotFound, error.ErrorCode);
        Assert.Empty(logs.AtLeast(LogLevel.Error));
        var warning = Assert.Single(logs.AtLeast(LogLevel.Warning));
        Assert.Contains("web://nope", warning.Message, StringComparison.Ordinal);
        Assert.Null(warning.Exception);
    }

    [Fact]
    public async Task Post_SlowBodies_HoldNoSlot()
    {
        // Every slot but none is taken by a client that declared a body and stopped sending it: calls still run.
        var logs = new RecordingLogs();
        await using var server = await McpTestServer.StartAsync(o => o.MaxConcurrentRequests = 2, services: logs.Register);
        var slow = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                slow.Add(await StartSlowPostAsync(server, declared: 100_000));
            }

            await using var client = await server.ConnectAsync("2025-11-25");
            var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "through" }, cancellationToken: Ct);
            Assert.NotEqual(true, result.IsError);
            Assert.Equal("through", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        }
        finally
        {
            slow.ForEach(s => s.Dispose());
        }

        Assert.Empty(logs.AtLeast(LogLevel.Error));
    }

    [Fact]
    public async Task Post_BodyNotInTime_Is408AndNoErrorLog()
    {
        var logs = new RecordingLogs();
        await using var server = await McpTestServer.StartAsync(o => o.RequestBodyTimeout = TimeSpan.FromMilliseconds(500), services: logs.Register);
        using var slow = await StartSlowPostAsync(server, declared: 1000);

        // The server answers, then closes the connection (a reset once the unsent rest of the body is given up on).
        var received = new MemoryStream();
        var chunk = new byte[4096];
        try
        {
            int read;
            while ((read = await slow.GetStream().ReadAsync(chunk, Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct)) > 0)
            {
                received.Write(chunk, 0, read);
            }
        }
        catch (IOException) when (received.Length > 0)
        {
        }

        var answer = Encoding.ASCII.GetString(received.ToArray());
        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Request Timeout: the request body did not arrive within 0.5 s", answer, StringComparison.Ordinal);
        Assert.Empty(logs.AtLeast(LogLevel.Error));
    }

    [Fact]
    public async Task Post_OverThePerClientLimit_Is429ForThatClient()
    {
        await using var server = await McpTestServer.StartAsync(o => o.MaxConcurrentRequestsPerClient = 1);
        await using var client = await server.ConnectAsync("2025-11-25");
        var waiting = client.CallToolAsync("wait", cancellationToken: Ct).AsTask();
        while (server.Gate.Started == 0)
        {
            await Task.Delay(20, Ct);
        }

        using var http = new HttpClient();
        using var response = await http.SendAsync(Post(server, Initialize), Ct);
        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error");
        Assert.Equal("Too Many Requests: this client already has 1 requests running; retry shortly", error.GetProperty("message").GetString());

        server.Gate.Open();
        await waiting;
        using var after = await http.SendAsync(Post(server, Initialize), Ct);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Post_CancelledRequest_ResponseEndsPromptly()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var session = await InitializeSessionAsync(http, server);

        var call = Post(server, """{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"wait","arguments":{}}}""", session);
        using var response = await http.SendAsync(call, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = response.Content.ReadAsStringAsync(Ct);
        while (server.Gate.Started == 0)
        {
            await Task.Delay(20, Ct);
        }

        using (var cancel = await http.SendAsync(
            Post(server, """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42,"reason":"user"}}""", session), Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        // Before, the response stayed open until the client gave up; a bound only a hang exceeds.
        var text = await body.WaitAsync(TimeSpan.FromSeconds(15), Ct);
        Assert.DoesNotContain("\"result\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_RandomJsonRpcBodies_NeverA500()
    {
        var logs = new RecordingLogs();
        await using var server = await McpTestServer.StartAsync(services: logs.Register);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var session = await InitializeSessionAsync(http, server);
        using (await http.SendAsync(Post(server, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session), Ct))
        {
        }

        var seed = Environment.GetEnvironmentVariable("MXCP_FUZZ_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        var random = new Random(seed);
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        for (var i = 0; i < 300; i++)
        {
            var body = JsonRpcFuzz.Body(random);
            using var request = new HttpRequestMessage(HttpMethod.Post, server.McpUri) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
            if (random.Next(4) != 0)
            {
                request.Headers.Add("Mcp-Session-Id", session);
            }

            using var response = await http.SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            var shown = Encoding.UTF8.GetString(body);
            Assert.True((int)response.StatusCode < 500, $"seed {seed}, body {i}: {(int)response.StatusCode} for {shown}\n{text}\n{string.Join("\n", logs.AtLeast(LogLevel.Warning).Select(e => e.Message + " " + e.Exception))}");
            if (response.Content.Headers.ContentType?.MediaType == "application/json" && text.Length > 0)
            {
                var answer = JsonDocument.Parse(text).RootElement;
                Assert.True(answer.TryGetProperty("error", out _) || answer.TryGetProperty("result", out _), $"seed {seed}, body {i}: {text}");
            }

            statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
        }

        Assert.True(logs.AtLeast(LogLevel.Error).Count == 0, $"seed {seed}: {string.Join("\n", logs.AtLeast(LogLevel.Error).Select(e => e.Message + " " + e.Exception))}");

        // The server still serves.
        await using var client = await server.ConnectAsync("2025-11-25");
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "alive" }, cancellationToken: Ct);
        Assert.Equal("alive", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed}: " + string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{(int)p.Key}×{p.Value}")));
    }

    private static HttpRequestMessage Post(McpTestServer server, string body, string? session = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, server.McpUri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        return request;
    }

    private static async Task<string> InitializeSessionAsync(HttpClient http, McpTestServer server)
    {
        using var response = await http.SendAsync(Post(server, Initialize), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }

    /// <summary>A POST whose headers declare <paramref name="declared"/> bytes of which only a few are sent.</summary>
    private static async Task<TcpClient> StartSlowPostAsync(McpTestServer server, int declared)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.BaseUri.Port, Ct);
        var head = $"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{server.BaseUri.Port}\r\nContent-Type: application/json\r\n" +
                   $"Accept: application/json, text/event-stream\r\nContent-Length: {declared}\r\n\r\n{{\"jsonrpc\":";
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head), Ct);
        await tcp.GetStream().FlushAsync(Ct);
        return tcp;
    }
}

/// <summary>Random JSON-RPC bodies: valid requests, mutated ones, wrong types, odd strings, deep nesting and garbage.</summary>
internal static class JsonRpcFuzz
{
    private static readonly string[] Methods =
    [
        "initialize", "ping", "tools/list", "tools/call", "resources/list", "resources/read", "resources/templates/list",
        "prompts/list", "prompts/get", "completion/complete", "logging/setLevel", "resources/subscribe",
        "notifications/cancelled", "notifications/initialized", "nope/nope", "", "tools/call\u0000",
    ];

    private static readonly string[] Strings =
    [
        "echo", "wait", "whoami", "web://info", "web://nope", "", "\\ud800", "\\udc00x", "\\u0000", "é", "😀", "..%2F..%2Fx",
        "' OR 1=1 --", new string('a', 3000), "$text", "null",
    ];

    public static byte[] Body(Random random)
    {
        var text = random.Next(10) switch
        {
            0 => Garbage(random),
            1 => Truncate(random, Request(random)),
            2 => Batch(random),
            _ => Request(random),
        };
        return Encoding.UTF8.GetBytes(text);
    }

    private static string Request(Random random)
    {
        var members = new List<string>();
        if (random.Next(8) != 0)
        {
            members.Add("\"jsonrpc\":" + (random.Next(6) == 0 ? Value(random, 1) : "\"2.0\""));
        }

        if (random.Next(4) != 0)
        {
            members.Add("\"id\":" + random.Next(5) switch { 0 => Value(random, 1), 1 => "\"s-" + random.Next(100) + "\"", _ => random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        if (random.Next(10) != 0)
        {
            members.Add("\"method\":" + (random.Next(8) == 0 ? Value(random, 1) : Quote(Methods[random.Next(Methods.Length)])));
        }

        if (random.Next(5) != 0)
        {
            members.Add("\"params\":" + (random.Next(4) == 0 ? Value(random, 3) : Params(random)));
        }

        if (random.Next(8) == 0)
        {
            members.Add(members.Count > 0 ? members[random.Next(members.Count)] : "\"id\":1");
        }

        if (random.Next(8) == 0)
        {
            members.Add(Quote(Strings[random.Next(Strings.Length)]) + ":" + Value(random, 2));
        }

        Shuffle(random, members);
        return "{" + string.Join(",", members) + "}";
    }

    private static string Params(Random random)
    {
        var members = new List<string>
        {
            "\"name\":" + (random.Next(6) == 0 ? Value(random, 1) : Quote(Strings[random.Next(Strings.Length)])),
            "\"uri\":" + Quote(Strings[random.Next(Strings.Length)]),
            "\"arguments\":" + (random.Next(3) == 0 ? Value(random, 3) : "{\"text\":" + Value(random, 2) + "}"),
        };
        if (random.Next(3) == 0)
        {
            members.Add("\"requestId\":" + Value(random, 1));
        }

        if (random.Next(3) == 0)
        {
            members.Add("\"_meta\":" + Value(random, 2));
        }

        if (random.Next(3) == 0)
        {
            members.Add("\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"f\",\"version\":\"1\"}");
        }

        if (random.Next(10) == 0)
        {
            members.Add(members[0]);
        }

        Shuffle(random, members);
        return "{" + string.Join(",", members.Take(random.Next(members.Count + 1))) + "}";
    }

    private static string Value(Random random, int depth)
    {
        var choice = random.Next(depth > 0 ? 12 : 8);
        return choice switch
        {
            0 => "null",
            1 => random.Next(2) == 0 ? "true" : "false",
            2 => random.Next(-1000, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            3 => random.Next(4) switch { 0 => "1e400", 1 => "-0.0", 2 => "12345678901234567890123", _ => "3.25" },
            4 or 5 or 6 or 7 => Quote(Strings[random.Next(Strings.Length)]),
            8 => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => Value(random, depth - 1))) + "]",
            9 => "{" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(i => Quote(Strings[random.Next(Strings.Length)]) + ":" + Value(random, depth - 1))) + "}",
            10 => Nested(20 + random.Next(60)),
            _ => Quote(new string((char)random.Next(0x20, 0x7f), random.Next(50))),
        };
    }

    private static string Nested(int depth) => new string('[', depth) + "1" + new string(']', depth);

    private static string Batch(Random random) =>
        "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => Request(random))) + "]";

    private static string Truncate(Random random, string text) => text[..random.Next(text.Length + 1)];

    private static string Garbage(Random random)
    {
        var bytes = new byte[random.Next(1, 200)];
        random.NextBytes(bytes);
        return random.Next(2) == 0 ? Encoding.Latin1.GetString(bytes) : Convert.ToBase64String(bytes);
    }

    /// <summary>A JSON string; the entries of <see cref="Strings"/> that hold a backslash are JSON escapes already.</summary>
    private static string Quote(string text) =>
        text.Contains('\\', StringComparison.Ordinal) ? "\"" + text + "\"" : JsonSerializer.Serialize(text);

    private static void Shuffle(Random random, List<string> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}

/// <summary>Collects the log entries of a test server.</summary>
internal sealed class RecordingLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public sealed record Entry(LogLevel Level, string Category, string Message, Exception? Exception);

    public void Register(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(this);

    public List<Entry> AtLeast(LogLevel level) => [.. _entries.Where(e => e.Level >= level)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._entries.Enqueue(new Entry(logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}
