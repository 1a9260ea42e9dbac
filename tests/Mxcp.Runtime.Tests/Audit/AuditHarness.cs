using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime.Audit;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Reload;
using Mxcp.Runtime.Tests.TestSupport;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary>
/// A project served by a real generic host with audit on: calls go through the endpoint pipeline with a given
/// transport, and the records are read back from the JSONL files on disk after the host stopped.
/// </summary>
internal sealed class AuditHarness : IAsyncDisposable
{
    private readonly IHost _host;

    private AuditHarness(TempProject project, IHost host, RecordingLoggerFactory logs)
    {
        Project = project;
        _host = host;
        Logs = logs;
    }

    public TempProject Project { get; }

    public RecordingLoggerFactory Logs { get; }

    public IServiceProvider Services => _host.Services;

    public string AuditDirectory => Path.Combine(Project.Root, "audit");

    public static async Task<AuditHarness> StartAsync(string auditYaml, IReadOnlyDictionary<string, string> files, JsonSqlProvider? sql = null, bool enabled = true)
    {
        var project = new TempProject($"mxcp: 1\nproject: demo\nprofile: dev\nprofiles:\n  dev:\n    audit:\n      enabled: {(enabled ? "true" : "false")}\n" + Indent(auditYaml, 6));
        foreach (var (path, content) in files)
        {
            project.Write(path, content);
        }

        var logs = new RecordingLoggerFactory();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Services.AddMxcpCore(o =>
        {
            o.ProjectPath = project.Root;
            o.Environment = name => name == "HOME" ? project.Root : null;
        });
        builder.Services.AddSingleton<IEndpointExecutorProvider>(sql ?? new JsonSqlProvider());
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return new AuditHarness(project, host, logs);
    }

    /// <param name="writesResultOnly">Calls as MCP tool calls do (<see cref="EndpointCall.WritesResultOnly"/>).</param>
    public async Task<EndpointCallResult> CallAsync(
        EndpointKind kind, string name, string argumentsJson = "{}", string transport = "stdio", UserContext? user = null, string? sessionId = null, bool writesResultOnly = false)
    {
        var snapshots = Services.GetRequiredService<ProjectSnapshotProvider>();
        using var lease = await snapshots.AcquireAsync(TestContext.Current.CancellationToken);
        var endpoint = lease.Snapshot.Find(kind, name) ?? throw new InvalidOperationException($"no {kind} {name}");
        using var arguments = JsonDocument.Parse(argumentsJson);
        return await Services.GetRequiredService<EndpointPipeline>().InvokeAsync(
            new EndpointCall
            {
                Snapshot = lease.Snapshot,
                Endpoint = endpoint,
                Arguments = arguments.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
                Context = new CallContext { Transport = transport, User = user, SessionId = sessionId, TraceId = sessionId is null ? null : "0af7651916cd43dd8448eb211c80319c" },
                WritesResultOnly = writesResultOnly,
            },
            TestContext.Current.CancellationToken);
    }

    /// <summary>Stops the host (which flushes the audit log) and returns every record line on disk, oldest first.</summary>
    public async Task<List<JsonObject>> StopAndReadAsync()
    {
        await _host.StopAsync(TestContext.Current.CancellationToken);
        return ReadRecords(AuditDirectory);
    }

    public static List<JsonObject> ReadRecords(string directory) =>
        !Directory.Exists(directory) ? [] : Directory.EnumerateFiles(directory, "logs-dev-*.jsonl")
            .Order(StringComparer.Ordinal)
            .SelectMany(File.ReadAllLines)
            .Where(l => l.Length > 0)
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .ToList();

    public async ValueTask DisposeAsync()
    {
        _host.Dispose();
        await Task.CompletedTask;
        Project.Dispose();
    }

    private static string Indent(string yaml, int spaces) =>
        string.Concat(yaml.Split('\n').Where(l => l.Length > 0).Select(l => new string(' ', spaces) + l + "\n"));
}
