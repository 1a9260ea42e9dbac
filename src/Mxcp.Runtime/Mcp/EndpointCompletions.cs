using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Reload;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// <c>completion/complete</c> for prompt arguments and resource-template variables: the parameter's <c>enum</c> values,
/// then its <c>examples</c> and <c>default</c>, that start with what the user typed (case-insensitive). An endpoint whose
/// executor is an <see cref="IEndpointCompleter"/> (an upstream's prompt or template) is completed by the executor.
/// </summary>
internal sealed class EndpointCompletions(ProjectSnapshotProvider snapshots)
{
    private const int MaxValues = 100;

    /// <summary>Whether the reference names one of the project's prompts or resources (a host may complete the others).</summary>
    public bool Handles(CompleteRequestParams? parameters) => Find(parameters) is not null;

    public async ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        var parameters = request.Params;
        var endpoint = Find(parameters);
        var typed = parameters?.Argument.Value ?? "";
        if (endpoint is { Executor: IEndpointCompleter completer })
        {
            EndpointCompletion completion;
            try
            {
                completion = await completer.CompleteAsync(endpoint.Definition, parameters!.Argument.Name, typed,
                    parameters.Context?.Arguments?.AsReadOnly(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw new McpProtocolException(e.Message, McpErrorCode.InternalError);
            }

            return new CompleteResult
            {
                Completion = new Completion
                {
                    Values = [.. completion.Values.Take(MaxValues)],
                    Total = completion.Total,
                    HasMore = completion.HasMore is true || completion.Values.Count > MaxValues,
                },
            };
        }

        var parameter = endpoint?.Definition.Parameters.FirstOrDefault(p => p.Name == parameters!.Argument.Name);
        var values = parameter is null ? [] : Candidates(parameter.Schema)
            .Where(v => v.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new CompleteResult
        {
            Completion = new Completion
            {
                Values = values.Take(MaxValues).ToList(),
                Total = values.Count,
                HasMore = values.Count > MaxValues,
            },
        };
    }

    private PreparedEndpoint? Find(CompleteRequestParams? parameters)
    {
        var snapshot = snapshots.Current;
        return (parameters?.Ref, snapshot) switch
        {
            (PromptReference prompt, not null) => snapshot.FindPrompt(prompt.Name),
            (ResourceTemplateReference resource, not null) => snapshot.Endpoints.FirstOrDefault(e => e.Definition.Uri == resource.Uri),
            _ => null,
        };
    }

    private static IEnumerable<string> Candidates(TypeSchema schema)
    {
        foreach (var value in schema.Enum ?? [])
        {
            yield return Text(value);
        }

        foreach (var value in schema.Examples ?? [])
        {
            yield return Text(value);
        }

        if (schema.Default is { ValueKind: not JsonValueKind.Null } d)
        {
            yield return Text(d);
        }
    }

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
