using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Audit;

/// <summary>
/// Audit over Streamable HTTP: thousands of calls from concurrent MCP sessions to one <c>mxcp serve</c>, stopped with
/// SIGTERM while calls are in flight; every answered call has exactly one record, with <c>caller_type</c> http and
/// its session id.
/// </summary>
public sealed class AuditOverHttpTests
{
    private const int Clients = 6;
    private const int WorkersPerClient = 4;
    private const int StopAfterAnswered = 3000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serve_ConcurrentSessionsStoppedWithSigtermMidLoad_ExactlyOneRecordPerAnsweredCall()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: load\nprofile: dev\nprofiles:\n  dev:\n    audit:\n      enabled: true\n");
        project.Write("tools/echo.yml", """
            mxcp: 1
            tool:
              name: echo
              description: Echoes its arguments.
              parameters:
                - {name: client, type: integer, description: Client}
                - {name: seq, type: integer, description: Sequence number}
              return: {type: object, properties: {client: {type: integer}, seq: {type: integer}}}
              source: {code: "select $client as client, $seq as seq"}
            """);

        await using var server = await ServeProcess.StartAsync(project);
        var clients = new List<McpClient>();
        try
        {
            for (var i = 0; i < Clients; i++)
            {
                clients.Add(await server.ConnectAsync("2025-11-25", cancellationToken: Ct));
            }

            var sessions = clients.Select(c => c.SessionId).ToList();
            Assert.All(sessions, Assert.NotNull);

            var answered = new ConcurrentDictionary<(int Client, int Seq), bool>();
            var reachedTarget = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var workers = clients.SelectMany((client, c) => Enumerable.Range(0, WorkersPerClient).Select(w => Task.Run(async () =>
            {
                for (var n = 0; ; n++)
                {
                    var seq = (w * 1_000_000) + n;
                    CallToolResult result;
                    try
                    {
                        result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["client"] = c, ["seq"] = seq }, cancellationToken: Ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !Ct.IsCancellationRequested)
                    {
                        return;
                    }

                    if (result.IsError == true)
                    {
                        // A call refused while the server stops is answered, but not by the tool.
                        return;
                    }

                    answered[(c, seq)] = true;
                    if (answered.Count >= StopAfterAnswered)
                    {
                        reachedTarget.TrySetResult();
                    }
                }
            }, Ct))).ToList();

            await reachedTarget.Task.WaitAsync(TimeSpan.FromMinutes(3), Ct);
            server.Signal("TERM");
            Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60), Ct);
            Assert.DoesNotContain("AUDIT RECORDS LOST", server.Stderr, StringComparison.Ordinal);

            var records = Directory.GetFiles(Path.Combine(project.Root, "audit"), "logs-dev-*.jsonl")
                .SelectMany(File.ReadAllLines)
                .Select(line => JsonDocument.Parse(line).RootElement.Clone())
                .ToList();
            var keys = records.Select(r => (r.GetProperty("input_data").GetProperty("client").GetInt32(), r.GetProperty("input_data").GetProperty("seq").GetInt32())).ToList();
            Assert.Equal(keys.Count, keys.Distinct().Count());
            var missing = answered.Keys.Except(keys).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} answered call(s) without a record, e.g. {string.Join(", ", missing.Take(5))}");
            Assert.InRange(keys.Count - answered.Count, 0, Clients * WorkersPerClient);
            Assert.All(records, r => Assert.Equal("http", r.GetProperty("caller_type").GetString()));
            foreach (var record in records)
            {
                var client = record.GetProperty("input_data").GetProperty("client").GetInt32();
                Assert.Equal(sessions[client], record.GetProperty("session_id").GetString());
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                try
                {
                    await client.DisposeAsync();
                }
                catch (Exception e) when (e is HttpRequestException or IOException or ObjectDisposedException or InvalidOperationException)
                {
                }
            }
        }
    }
}
