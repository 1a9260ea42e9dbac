using System.Text.Json;

namespace Mxcp.Abstractions;

/// <summary>
/// Reads and checks policies written in the form of an endpoint file's <c>policies</c> block
/// (<c>{input: [{condition, action, reason, fields}], output: [...]}</c>), for plugins that let operators attach
/// policies to the endpoints they provide. The runtime registers it; conditions are compiled, so a syntax error, an
/// unknown action or a missing <c>fields</c> list is reported here rather than at the first call.
/// </summary>
public interface IPolicyReader
{
    /// <summary>Reads a <c>policies</c> block.</summary>
    /// <param name="policies">The block, a JSON object.</param>
    /// <param name="problems">Receives what is wrong, each with the key path below the block (<c>input[0].condition</c>).</param>
    /// <returns>The policies read; use them only when no problem was added.</returns>
    PolicySet Read(JsonElement policies, ICollection<ConfigProblem> problems);
}
