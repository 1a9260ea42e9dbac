using System.Buffers;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// A transport that can write a large result's JSON straight into the response carrying it: given the JSON, it returns
/// the bytes to serialize in its place (a valid result standing in for it), and writes the JSON where those bytes pass
/// through its stream. The response is then never copied whole into the SDK's buffers.
/// </summary>
internal interface IResultSplicer
{
    /// <summary>
    /// Takes <paramref name="json"/> for the response being written on this execution flow and returns the stand-in's
    /// bytes; <see langword="null"/> when this flow's response cannot splice (no such response, or one whose events are
    /// also stored for replay). If the stand-in ever reached a client unreplaced, it reads as an error result.
    /// </summary>
    byte[]? TryAdd(ReadOnlySequence<byte> json);
}
