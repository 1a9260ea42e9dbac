using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime.Policies;
using Mxcp.Runtime.Policies.Cel;
using Mxcp.Runtime.Templates;
using Mxcp.Runtime.Types;

namespace Mxcp.Runtime.Execution;

/// <summary>
/// The one pipeline every call goes through, whatever door it came in by (MCP or the CLI): input policies over the
/// raw arguments, validation and defaults, the executor (or the prompt templates), result shaping, output validation,
/// output policies, then the observers (audit). It never throws for a failed call: the result says what went wrong.
/// </summary>
internal sealed partial class EndpointPipeline(IEnumerable<IEndpointCallObserver> observers, SensitiveTextRegistry sensitiveTexts, ILogger<EndpointPipeline> logger)
{
    private static readonly IReadOnlyDictionary<string, JsonElement> NoArguments = new Dictionary<string, JsonElement>();
    private readonly IEndpointCallObserver[] _observers = observers.ToArray();

    public async Task<EndpointCallResult> InvokeAsync(EndpointCall call, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var definition = call.Endpoint.Definition;
        using var activity = MxcpDiagnostics.ActivitySource.StartActivity("mxcp.endpoint.execute");
        activity?.SetTag("mxcp.endpoint.name", definition.Kind == EndpointKind.Resource ? definition.Uri : definition.Name);
        activity?.SetTag("mxcp.endpoint.type", definition.Kind.ToString().ToLowerInvariant());
        activity?.SetTag("mxcp.session.id", call.Context.SessionId);

        // The call's sensitive argument values are scrubbed from every log line while it runs, whoever writes it.
        var sensitive = SensitiveText.OfArguments(definition.Parameters, call.Arguments);
        using var tracking = sensitiveTexts.Track(sensitive);
        var observers = _observers;
        foreach (var observer in observers)
        {
            try
            {
                observer.OnCallStarted(call);
            }
            catch (Exception e)
            {
                LogObserverFailed(logger, observer.GetType().Name, e);
            }
        }

        EndpointCallResult result;
        try
        {
            result = await RunAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            result = new EndpointCallResult { ErrorKind = EndpointErrorKind.Cancelled, Error = "The call was cancelled", Exception = e, Policy = PolicyRecord.None };
        }

        // Errors leave the pipeline here, for the client, `mxcp run`, the audit record, the trace and the log: without the
        // values of sensitive parameters and the resolved secrets, however a component quoted them.
        var error = result.Error;
        var exception = result.Exception;
        if (!result.Succeeded)
        {
            var scrub = sensitive.Union(call.Snapshot.Config.Secrets);
            if (!scrub.IsEmpty)
            {
                error = error is null ? null : scrub.Scrub(error);
                exception = exception is null ? null : new ScrubbedException(exception, scrub);
            }
        }

        result = new EndpointCallResult
        {
            Value = result.Value,
            Messages = result.Messages,
            ErrorKind = result.ErrorKind,
            Error = error,
            Exception = exception,
            Arguments = result.Arguments,
            Policy = result.Policy,
            Duration = Stopwatch.GetElapsedTime(started),
        };

        if (!result.Succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Error);
            if (result.ErrorKind == EndpointErrorKind.ExecutionFailed)
            {
                LogExecutionFailed(logger, call.Endpoint.Key, result.Exception);
            }
        }

        activity?.SetTag("mxcp.policy.decision", result.Policy.Decision);
        foreach (var observer in observers)
        {
            try
            {
                observer.OnCallCompleted(call, result);
            }
            catch (Exception e)
            {
                LogObserverFailed(logger, observer.GetType().Name, e);
            }
        }

        return cancellationToken.IsCancellationRequested && result.ErrorKind == EndpointErrorKind.Cancelled
            ? throw new OperationCanceledException(cancellationToken)
            : result;
    }

    private static async Task<EndpointCallResult> RunAsync(EndpointCall call, CancellationToken cancellationToken)
    {
        var endpoint = call.Endpoint;
        var definition = endpoint.Definition;
        var raw = call.Arguments ?? NoArguments;
        var user = PolicyUser.From(call.Context.User);

        // 3: input policies see the raw arguments.
        var budget = new CelBudget(call.Snapshot.Config.PolicyCostLimit, cancellationToken);
        var input = endpoint.Policies.EvaluateInput(raw, user, budget);
        if (input.IsDenied)
        {
            return Failed(EndpointErrorKind.PolicyDenied, input.ClientMessage!, null, Record(input));
        }

        // 4: validation, conversion and defaults.
        IReadOnlyDictionary<string, object?> arguments;
        try
        {
            arguments = ArgumentValidator.Validate(definition.Parameters, raw);
        }
        catch (ArgumentValidationException e)
        {
            return Failed(EndpointErrorKind.InvalidArguments, e.Message, e, Record(input));
        }

        // 5: execute.
        if (definition.Kind == EndpointKind.Prompt)
        {
            var messages = new List<RenderedPromptMessage>(endpoint.Templates.Count);
            try
            {
                for (var i = 0; i < endpoint.Templates.Count; i++)
                {
                    var message = definition.Messages[i];
                    messages.Add(new RenderedPromptMessage(message.Role ?? "user", endpoint.Templates[i].Render(arguments), message.Type));
                }
            }
            catch (TemplateRenderException e)
            {
                return Failed(EndpointErrorKind.ExecutionFailed, e.Message, e, Record(input), arguments);
            }

            return new EndpointCallResult { Messages = messages, Arguments = arguments, Policy = Record(input) };
        }

        JsonNode? value;
        try
        {
            value = await endpoint.Executor!.ExecuteAsync(
                new EndpointInvocation { Endpoint = definition, SourceText = endpoint.SourceText, Arguments = arguments, Context = call.Context },
                cancellationToken).ConfigureAwait(false);

            // 6: shape the raw result to the declared return type.
            value = ResultShaper.Shape(value, definition.Return);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Failed(EndpointErrorKind.ExecutionFailed, e.Message, e, Record(input), arguments);
        }

        // 7: output validation.
        if (!call.SkipOutputValidation && definition.Return is not null)
        {
            try
            {
                OutputValidator.Validate(value, definition.Return);
            }
            catch (OutputValidationException e)
            {
                return Failed(EndpointErrorKind.InvalidOutput, e.Message, e, Record(input), arguments);
            }
        }

        // 8: output policies.
        var output = endpoint.Policies.EvaluateOutput(value, user, input, budget);
        if (output.IsDenied)
        {
            return Failed(EndpointErrorKind.PolicyDenied, output.ClientMessage!, null, Record(output), arguments);
        }

        return new EndpointCallResult { Value = output.Response, Arguments = arguments, Policy = Record(output) };
    }

    private static PolicyRecord Record(PolicyResult result) =>
        result.Decision is null && result.EvaluatedRules.Count == 0
            ? PolicyRecord.None
            : new PolicyRecord(result.Decision?.ToWireValue(), result.Reason, result.EvaluatedRules);

    private static EndpointCallResult Failed(EndpointErrorKind kind, string message, Exception? exception, PolicyRecord policy, IReadOnlyDictionary<string, object?>? arguments = null) =>
        new() { ErrorKind = kind, Error = message, Exception = exception, Policy = policy, Arguments = arguments };

    // A failing call is reported to its caller; the log keeps the details for debugging only.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Endpoint {Endpoint} failed")]
    private static partial void LogExecutionFailed(ILogger logger, string endpoint, Exception? exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call observer {Observer} failed")]
    private static partial void LogObserverFailed(ILogger logger, string observer, Exception exception);
}
