using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Benchmarks.BareSdkServer;
using Mxcp.Benchmarks.Shared;

// The bare SDK server of bench/run.sh:
//   Mxcp.Benchmarks.BareSdkServer --catalog catalog.json --database bench.duckdb [--port 0] [--stateless]
// Prints "Listening on http://127.0.0.1:PORT/mcp" once it serves.

string? catalogPath = null, databasePath = null;
var port = 0;
var stateless = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--catalog": catalogPath = args[++i]; break;
        case "--database": databasePath = args[++i]; break;
        case "--port": port = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--stateless": stateless = true; break;
        default: throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: --catalog FILE --database FILE [--port N] [--stateless]");
    }
}

if (catalogPath is null || databasePath is null)
{
    Console.Error.WriteLine("Usage: Mxcp.Benchmarks.BareSdkServer --catalog FILE --database FILE [--port N] [--stateless]");
    return 2;
}

var (database, owner) = await DuckDbBinding.OpenReadOnlyAsync(databasePath, CancellationToken.None);
await using var _ = owner;
using var catalog = JsonDocument.Parse(await File.ReadAllTextAsync(catalogPath));
var tools = new McpServerPrimitiveCollection<McpServerTool>();
foreach (var entry in catalog.RootElement.GetProperty("tools").EnumerateArray())
{
    tools.Add(CatalogTool.From(entry, database));
}

// The same host as `mxcp serve`: an empty web application with Kestrel and routing only.
var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "bare-sdk-server" });
builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, port);
});
builder.Services.AddRoutingCore();
await using var app = builder.Build();

var mapping = new MinimalStreamableHttp(
    app.Services,
    () => new McpServerOptions
    {
        ServerInfo = new Implementation { Name = "bare-sdk-server", Version = "1.0.0" },
        ToolCollection = tools,
    },
    stateless);
app.MapPost("/mcp", mapping.PostAsync);
if (!stateless)
{
    app.MapGet("/mcp", mapping.GetAsync);
    app.MapDelete("/mcp", mapping.DeleteAsync);
}

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
Console.WriteLine($"Listening on {address}/mcp");
Console.Out.Flush();

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
await stop.Task;
await mapping.DisposeSessionsAsync();
await app.StopAsync();
return 0;
