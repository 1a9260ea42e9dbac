using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.Benchmarks.Harness.Workloads;

namespace Mxcp.Benchmarks.Harness.LoadGeneration;

/// <summary>
/// The <c>loadgen</c> command: the stateful load generator, built on the C# SDK's <see cref="McpClient"/>. Each of the
/// N concurrent callers is its own client with its own session (initialize with protocol 2025-11-25, then calls that
/// carry <c>Mcp-Session-Id</c>), calling in a closed loop. It takes its windows from <see cref="GeneratorCommandLoop"/>
/// and reports its own CPU time with each, so the report can tell when the generator was the limit. Sessions stay open
/// between windows; more are opened when a window needs more callers.
/// </summary>
/// <remarks>
/// The standalone GET stream is disabled: the servers have nothing to push during the benchmark, and the stream would
/// only add one idle request per session.
/// </remarks>
internal static class McpLoadGenerator
{
    public static async Task<int> RunAsync(CommandArguments arguments, CancellationToken cancellationToken)
    {
        var url = new Uri(arguments.Required("url"));
        var tool = arguments.Optional("tool");
        var expect = arguments.Required("expect");
        var protocol = arguments.Optional("protocol") ?? McpRequest.Protocol2025;
        IDictionary<string, JsonElement>? toolArguments = arguments.Optional("arguments") is { } json
            ? JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)
            : null;

        using var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = int.MaxValue,
            UseCookies = false,
        };
        using var http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };

        // tools/list goes out as a raw request: deserialising 1,000 Tool objects per answer would make the generator,
        // not the server, the bottleneck. The answer is still parsed (JSON) and checked for the last tool's name.
        // With --raw a call is a plain POST in the client's session, read to its last byte (a large result).
        var raw = arguments.Flag("raw");
        Func<McpClient, CancellationToken, Task<bool>> call = tool is null
            ? async (client, ct) => HasTool(await client.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.ToolsList, Params = new JsonObject() }, ct), expect)
            : raw
                ? (client, ct) => RawCallAsync(http, url, client, protocol, tool, toolArguments, expect, ct)
                : async (client, ct) => IsGood(await client.CallToolAsync(new CallToolRequestParams { Name = tool, Arguments = toolArguments }, ct), expect);
        var clients = new List<McpClient>();
        try
        {
            async Task<IReadOnlyList<McpClient>> ClientsAsync(int count, CancellationToken ct)
            {
                var missing = count - clients.Count;
                if (missing > 0)
                {
                    clients.AddRange(await Task.WhenAll(Enumerable.Range(0, missing).Select(_ => ConnectAsync(handler, url, protocol, ct))));
                }

                return clients.Take(count).ToList();
            }

            await GeneratorCommandLoop.RunAsync(
                async (concurrency, length, ct) => await LoopAsync(await ClientsAsync(concurrency, ct), call, length, null, ct),
                async (concurrency, length, ct) =>
                {
                    var active = await ClientsAsync(concurrency, ct);
                    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                    var window = new WindowRecorder(active.Count);
                    await LoopAsync(active, call, length, window, ct);
                    return new LoadResult
                    {
                        Generator = raw ? "mcp-client-raw" : "mcp-client",
                        Concurrency = concurrency,
                        Requests = window.Requests,
                        DurationSeconds = length.TotalSeconds,
                        LatencyMs = LatencyPercentiles.From(window.LatenciesMs()),
                        Errors = window.Errors,
                        GeneratorCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds,
                    };
                },
                cancellationToken);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        return 0;
    }

    private static bool HasTool(JsonRpcResponse response, string name) =>
        response.Result?["tools"] is JsonArray tools && tools.Any(t => t?["name"]?.GetValue<string>() == name);

    private static async Task<McpClient> ConnectAsync(HttpMessageHandler handler, Uri url, string protocol, CancellationToken cancellationToken)
    {
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = url,
                TransportMode = HttpTransportMode.StreamableHttp,
                EnableStandaloneGetStream = false,
                OwnsSession = true,
            },
            new HttpClient(handler, disposeHandler: false),
            loggerFactory: null,
            ownsHttpClient: true);
        return await McpClient.CreateAsync(
            transport,
            new McpClientOptions { ProtocolVersion = protocol, ClientInfo = new Implementation { Name = "mxcp-bench-loadgen", Version = "1.0" } },
            cancellationToken: cancellationToken);
    }

    /// <summary>
    /// One <c>tools/call</c> POSTed in <paramref name="client"/>'s session and read to its end: good when the answer is
    /// 200, contains <paramref name="expect"/> and is not a tool error.
    /// </summary>
    private static async Task<bool> RawCallAsync(
        HttpClient http, Uri url, McpClient client, string protocol, string tool, IDictionary<string, JsonElement>? toolArguments, string expect,
        CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 1,
            ["method"] = "tools/call",
            ["params"] = new JsonObject { ["name"] = tool, ["arguments"] = JsonSerializer.SerializeToNode(toolArguments ?? new Dictionary<string, JsonElement>()) },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", client.NegotiatedProtocolVersion ?? protocol);
        if (client.SessionId is { } session)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response.IsSuccessStatusCode
            && bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(expect)) >= 0
            && bytes.AsSpan().IndexOf("\"isError\":true"u8) < 0;
    }

    private static bool IsGood(CallToolResult result, string expect) =>
        result.IsError != true && result.Content.OfType<TextContentBlock>().Any(c => c.Text.Contains(expect, StringComparison.Ordinal));

    /// <summary>Every client calls in a closed loop until <paramref name="length"/> has passed.</summary>
    private static async Task LoopAsync(
        IReadOnlyList<McpClient> clients, Func<McpClient, CancellationToken, Task<bool>> call, TimeSpan length, WindowRecorder? record, CancellationToken cancellationToken)
    {
        var end = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(clients.Select((client, index) => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                var start = Stopwatch.GetTimestamp();
                ErrorKind? error = null;
                try
                {
                    if (!await call(client, cancellationToken))
                    {
                        error = ErrorKind.Body;
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e) when (e is McpException)
                {
                    error = ErrorKind.Body;
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    error = ErrorKind.Read;
                }
                catch (Exception e) when (e is TimeoutException or OperationCanceledException)
                {
                    error = ErrorKind.Timeout;
                }

                var stop = Stopwatch.GetTimestamp();
                if (stop <= end)
                {
                    record?.Add(index, start, stop, error);
                }
            }
        }, cancellationToken)));
    }

    private enum ErrorKind
    {
        Read,
        Timeout,
        Body,
    }

    /// <summary>Latencies and errors of the calls that completed inside the window, one list per client (no locks).</summary>
    private sealed class WindowRecorder(int clients)
    {
        private readonly List<double>[] _latencies = [.. Enumerable.Range(0, clients).Select(_ => new List<double>())];
        private long _read;
        private long _timeout;
        private long _body;

        public long Requests => _latencies.Sum(l => (long)l.Count);

        public ErrorCounts Errors => new(0, _read, 0, _timeout, 0, _body);

        public void Add(int client, long start, long stop, ErrorKind? error)
        {
            _latencies[client].Add((stop - start) * 1000.0 / Stopwatch.Frequency);
            switch (error)
            {
                case ErrorKind.Read:
                    Interlocked.Increment(ref _read);
                    break;
                case ErrorKind.Timeout:
                    Interlocked.Increment(ref _timeout);
                    break;
                case ErrorKind.Body:
                    Interlocked.Increment(ref _body);
                    break;
            }
        }

        public double[] LatenciesMs() => [.. _latencies.SelectMany(l => l)];
    }
}
