using System.Text.Json.Nodes;

namespace Mxcp.Plugins.Python.Workers;

/// <summary>Answers the requests a worker makes while its calls and hooks run (<c>db.execute</c>, <c>mcp.log</c>, ...).</summary>
internal interface IWorkerCallbacks
{
    /// <summary>Handles one request; the result is sent back as the answer, an exception's message as the error.</summary>
    /// <param name="worker">The process asking.</param>
    /// <param name="method">The method (<c>db.execute</c>, <c>mcp.log</c>, <c>mcp.progress</c>, <c>reload</c>).</param>
    /// <param name="parameters">The parameters.</param>
    Task<JsonNode?> HandleAsync(WorkerProcess worker, string method, JsonObject? parameters);
}
