using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

// The raw Kestrel baseline of bench/run.sh:
//   Mxcp.Benchmarks.RawKestrel --canned DIR [--port 0]
// POST /mcp/{name} reads the whole request body and answers with DIR/{name}.sse as an SSE response with the headers
// Mxcp sends (no JSON is parsed or written): HTTP and Kestrel only, the floor under every MCP server here.
// Prints "Listening on http://127.0.0.1:PORT/mcp" once it serves.

string? cannedDirectory = null;
var port = 0;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--canned": cannedDirectory = args[++i]; break;
        case "--port": port = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        default: throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: --canned DIR [--port N]");
    }
}

if (cannedDirectory is null)
{
    Console.Error.WriteLine("Usage: Mxcp.Benchmarks.RawKestrel --canned DIR [--port N]");
    return 2;
}

var answers = Directory.GetFiles(cannedDirectory, "*.sse").ToDictionary(f => Path.GetFileNameWithoutExtension(f), File.ReadAllBytes, StringComparer.Ordinal);

var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "raw-kestrel" });
builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, port);
});
builder.Services.AddRoutingCore();
await using var app = builder.Build();

app.MapPost("/mcp/{name}", async (HttpContext context, string name) =>
{
    if (!answers.TryGetValue(name, out var answer))
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return;
    }

    var reader = context.Request.BodyReader;
    while (true)
    {
        var read = await reader.ReadAsync(context.RequestAborted);
        reader.AdvanceTo(read.Buffer.End);
        if (read.IsCompleted)
        {
            break;
        }
    }

    context.Response.Headers.ContentType = "text/event-stream";
    context.Response.Headers.CacheControl = "no-cache,no-store";
    context.Response.Headers.ContentEncoding = "identity";
    context.Response.Headers["X-Accel-Buffering"] = "no";
    context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
    await context.Response.Body.WriteAsync(answer, context.RequestAborted);
});

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
Console.WriteLine($"Listening on {address}/mcp");
Console.Out.Flush();

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
await stop.Task;
await app.StopAsync();
return 0;
