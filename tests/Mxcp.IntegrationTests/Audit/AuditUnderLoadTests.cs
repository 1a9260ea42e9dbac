using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Audit;

/// <summary>
/// Thousands of calls from concurrent MCP clients to real <c>mxcp serve</c> processes, stopped with SIGTERM while
/// calls are in flight: the audit log must hold exactly one record for every call that was answered.
/// </summary>
public sealed class AuditUnderLoadTests
{
    private const int Servers = 4;
    private const int WorkersPerServer = 8;
    private const int StopAfterAnswered = 3000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serve_ConcurrentClientsStoppedWithSigtermMidLoad_ExactlyOneRecordPerAnsweredCall()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: load\nprofile: dev\nprofiles:\n  dev:\n    audit:\n      enabled: true\n");
        project.Write("tools/echo.yml", """
            mxcp: 1
            tool:
              name: echo
              description: Echoes its arguments.
              parameters:
                - {name: server, type: integer, description: Server}
                - {name: seq, type: integer, description: Sequence number}
              return: {type: object, properties: {server: {type: integer}, seq: {type: integer}}}
              source: {code: "select $server as server, $seq as seq"}
            """);

        // Several processes share the DuckDB file only read-only: create it once, then serve with --readonly.
        Assert.Equal(0, project.Run("query", "select 1").ExitCode);
        var servers = new List<ServerProcess>();
        try
        {
            for (var i = 0; i < Servers; i++)
            {
                servers.Add(await ServerProcess.StartAsync(project, Ct, "--readonly"));
            }

            var answered = new ConcurrentBag<(int Server, int Seq)>();
            var refused = 0;
            var reachedTarget = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var workers = servers.SelectMany((server, s) => Enumerable.Range(0, WorkersPerServer).Select(w => Task.Run(async () =>
            {
                for (var n = 0; ; n++)
                {
                    var seq = (w * 1_000_000) + n;
                    CallToolResult result;
                    try
                    {
                        result = await server.Client.CallToolAsync("echo", new Dictionary<string, object?> { ["server"] = s, ["seq"] = seq }, cancellationToken: Ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !Ct.IsCancellationRequested)
                    {
                        // The server is shutting down: this call was not answered with a result.
                        Interlocked.Increment(ref refused);
                        return;
                    }

                    if (result.IsError == true)
                    {
                        // A call that arrives while the server stops is answered with an error, not by the tool.
                        Assert.Contains("shutting down", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
                        Interlocked.Increment(ref refused);
                        return;
                    }

                    Assert.Equal(seq, result.StructuredContent!.Value.GetProperty("seq").GetInt32());
                    answered.Add((s, seq));
                    if (answered.Count >= StopAfterAnswered)
                    {
                        reachedTarget.TrySetResult();
                    }
                }
            }, Ct))).ToList();

            await reachedTarget.Task.WaitAsync(TimeSpan.FromMinutes(3), Ct);
            foreach (var server in servers)
            {
                server.Terminate();
            }

            foreach (var server in servers)
            {
                Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(60)), "mxcp serve stops on SIGTERM\n" + server.Stderr);
                Assert.True(server.ExitCode == 0, $"graceful exit, got {server.ExitCode}\n{server.Stderr}");
                Assert.DoesNotContain("AUDIT RECORDS LOST", server.Stderr, StringComparison.Ordinal);
            }

            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60), Ct);

            var segments = Directory.GetFiles(Path.Combine(project.Root, "audit"), "logs-dev-*.jsonl");
            var recorded = new List<(int Server, int Seq, string Status)>();
            foreach (var segment in segments)
            {
                var text = File.ReadAllText(segment);
                Assert.EndsWith("\n", text, StringComparison.Ordinal);
                foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    using var record = JsonDocument.Parse(line);
                    var input = record.RootElement.GetProperty("input_data");
                    recorded.Add((input.GetProperty("server").GetInt32(), input.GetProperty("seq").GetInt32(), record.RootElement.GetProperty("operation_status").GetString()!));
                }
            }

            var answeredSet = answered.ToHashSet();
            Assert.True(answeredSet.Count >= StopAfterAnswered);
            Assert.Equal(recorded.Count, recorded.Select(r => (r.Server, r.Seq)).Distinct().Count());
            var missing = answeredSet.Except(recorded.Select(r => (r.Server, r.Seq))).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} answered call(s) without a record, e.g. {string.Join(", ", missing.Take(5))}");
            Assert.All(recorded.Where(r => answeredSet.Contains((r.Server, r.Seq))), r => Assert.Equal("success", r.Status));

            Assert.True(segments.Length >= Servers, "one segment per server (more only across UTC midnight)");

            // A call in flight at the signal may have run (and been recorded) without its answer reaching the client.
            Assert.InRange(recorded.Count - answeredSet.Count, 0, Servers * WorkersPerServer);

            var log = project.Run("log", "--tool", "echo", "--limit", "100000", "--json");
            Assert.Equal(0, log.ExitCode);
            Assert.Equal(recorded.Count, log.Json.GetProperty("result").GetProperty("count").GetInt32());
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Serve_SecondSigtermForcesExit_QueuedRecordsStillWritten()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: load\nprofile: dev\nprofiles:\n  dev:\n    audit:\n      enabled: true\n");
        project.Write("tools/echo.yml", """
            mxcp: 1
            tool:
              name: echo
              description: Echoes its argument.
              parameters:
                - {name: seq, type: integer, description: Sequence number}
              source: {code: "select $seq as seq"}
            """);
        var server = await ServerProcess.StartAsync(project, Ct);
        var answered = new List<int>();
        try
        {
            // Fewer than the 10 records a batch waits for: they sit in the queue until the exit.
            for (var i = 0; i < 7; i++)
            {
                Assert.NotEqual(true, (await server.Client.CallToolAsync("echo", new Dictionary<string, object?> { ["seq"] = i }, cancellationToken: Ct)).IsError);
                answered.Add(i);
            }

            server.Terminate();
            server.Terminate();
            Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(30)), server.Stderr);
        }
        finally
        {
            await server.DisposeAsync();
        }

        var seqs = Directory.GetFiles(Path.Combine(project.Root, "audit"), "logs-dev-*.jsonl")
            .SelectMany(File.ReadAllLines)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("input_data").GetProperty("seq").GetInt32())
            .Order();
        Assert.Equal(answered, seqs);
        Assert.DoesNotContain("AUDIT RECORDS LOST", server.Stderr, StringComparison.Ordinal);
    }
}
