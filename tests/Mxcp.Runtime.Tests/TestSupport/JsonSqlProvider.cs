using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Tests.TestSupport;

/// <summary>
/// A stand-in "sql" language whose source is the JSON result to return (<c>source: {code: '[{"a": 1}]'}</c>); a source
/// starting with <c>fail:</c> throws with the rest as message, followed by the arguments as JSON. A write-only call
/// (<see cref="EndpointInvocation.WriteOnly"/>) gets the JSON written (<see cref="WrittenJson"/>), in 7-byte pieces.
/// </summary>
internal sealed class JsonSqlProvider : IEndpointExecutorProvider
{
    public string Language => "sql";

    public IReadOnlyList<EndpointDefinition> BuiltIns { get; init; } = [];

    public ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IEndpointExecutor>(new Executor(BuiltIns));

    private sealed class Executor(IReadOnlyList<EndpointDefinition> builtIns) : IEndpointExecutor
    {
        public string Language => "sql";

        public IReadOnlyList<EndpointDefinition> BuiltInEndpoints => builtIns;

        public ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<string>>([]);

        public ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken)
        {
            var source = invocation.SourceText ?? "null";
            if (source.StartsWith("fail:", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(source[5..] + " " + string.Join(",", invocation.Arguments.Values));
            }

            var node = JsonNode.Parse(source);
            return ValueTask.FromResult(invocation.WriteOnly && node is not null ? WrittenJson.Create(Pieces(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString()))) : node);
        }

        private static System.Buffers.ReadOnlySequence<byte> Pieces(byte[] bytes)
        {
            Piece? first = null;
            Piece? last = null;
            for (var i = 0; i < bytes.Length; i += 7)
            {
                var piece = new Piece(bytes.AsMemory(i, Math.Min(7, bytes.Length - i)), i);
                if (last is null)
                {
                    first = piece;
                }
                else
                {
                    last.Append(piece);
                }

                last = piece;
            }

            return new System.Buffers.ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Piece : System.Buffers.ReadOnlySequenceSegment<byte>
    {
        public Piece(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void Append(Piece next) => Next = next;
    }
}
