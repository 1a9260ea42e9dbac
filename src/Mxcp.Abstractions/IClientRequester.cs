using System.Text.Json;

namespace Mxcp.Abstractions;

/// <summary>
/// Sends requests to the MCP client of the current call (<c>sampling/createMessage</c>, <c>elicitation/create</c>,
/// <c>roots/list</c>), as JSON: the runtime and a plugin each have their own copy of the MCP SDK, so no SDK type crosses.
/// The runtime's <see cref="CallContext.Notifier"/> of an MCP request implements it.
/// </summary>
internal interface IClientRequester
{
    /// <summary>
    /// <see langword="null"/> when a request of <paramref name="method"/> can be sent to the client; otherwise why not
    /// (the client did not declare the capability, or its session cannot be sent requests).
    /// </summary>
    string? WhyNot(string method);

    /// <summary>Sends the request and waits for the client's answer (or its JSON-RPC error).</summary>
    ValueTask<ClientReply> RequestAsync(string method, JsonElement parameters, CancellationToken cancellationToken);
}

/// <summary>The client's answer to a request: its <c>result</c>, or its JSON-RPC error code and message.</summary>
internal readonly record struct ClientReply(JsonElement? Result, int ErrorCode, string? ErrorMessage);
