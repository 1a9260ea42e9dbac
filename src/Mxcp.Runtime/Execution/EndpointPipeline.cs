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
/// Every call is registered with <see cref="InFlightCalls"/>, which lets a stopping host wait for it and cancel it at the
/// shutdown timeout; such a call ends with an error result (not an exception), so that its caller gets an answer.
/// </summary>
internal sealed partial class EndpointPipeline(IEnumerable<IEndpointCallObserver> observers, SensitiveTextRegistry sensitiveTexts, InFlightCalls inFlight, ILogger<EndpointPipeline> logger)
{
    private static readonly IReadOnlyDictionary<string, JsonElement> NoArguments = new Dictionary<string, JsonElement>();
    private readonly IEndpointCallObserver[] _observers = observers.ToArray();

    public async Task<EndpointCallResult> InvokeAsync(EndpointCall call, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var definition = call.Endpoint.Definition;
        // The span of the call says what ran and how it ended; never the arguments, results or error texts (which may
        // quote argument values).
        using var activity = MxcpDiagnostics.ActivitySource.StartActivity("mxcp.endpoint.execute");
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mxcp.endpoint.name", EndpointMetrics.Name(call));
            activity.SetTag("mxcp.endpoint.type", EndpointMetrics.Type(call));
            activity.SetTag("mxcp.execution.language", definition.Language);
            activity.SetTag("mxcp.transport", call.Context.Transport);
            activity.SetTag("mxcp.session.id", call.Context.SessionId);
            activity.SetTag("mxcp.trace.id", activity.TraceId.ToHexString());
            activity.SetTag("mxcp.auth.authenticated", call.Context.User is not null);
            activity.SetTag("mxcp.auth.provider", call.Context.User?.Provider);
            activity.SetTag("mxcp.params.count", call.Arguments?.Count ?? 0);
        }

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

        // Exit only after the observers: a stopping host that saw the last call end may close the audit log next.
        var entered = inFlight.TryEnter();
        try
        {
            var result = entered
                ? await RunRegisteredAsync(call, cancellationToken).ConfigureAwait(false)
                : Failed(EndpointErrorKind.Cancelled, InFlightCalls.RefusedMessage, null, PolicyRecord.None);

            // Errors leave the pipeline here, for the client, `mxcp run`, the audit record, the trace and the log: without
            // the values of sensitive parameters and the resolved secrets, however a component quoted them.
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

            if (!result.Succeeded && result.ErrorKind == EndpointErrorKind.ExecutionFailed)
            {
                LogExecutionFailed(logger, call.Endpoint.Key, result.Exception);
            }

            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag("mxcp.endpoint.status", EndpointMetrics.Status(result));
                activity.SetTag("mxcp.policy.decision", result.Policy.Decision ?? "none");
                activity.SetTag("mxcp.policy.rules_evaluated", result.Policy.Evaluated.Count);
                if (!result.Succeeded)
                {
                    var errorType = EndpointMetrics.ErrorType(result.ErrorKind);
                    activity.SetTag("error.type", errorType);
                    if (result.Exception is { } e)
                    {
                        activity.SetTag("exception.type", (e is ScrubbedException scrubbed ? scrubbed.OriginalType : e.GetType()).FullName);
                    }

                    activity.SetStatus(ActivityStatusCode.Error, errorType);
                }
            }

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
        finally
        {
            if (entered)
            {
                inFlight.Exit();
            }
        }
    }

    /// <summary>Runs a registered call; the caller's cancellation and the host's stop both cancel it.</summary>
    private async Task<EndpointCallResult> RunRegisteredAsync(EndpointCall call, CancellationToken cancellationToken)
    {
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, inFlight.Aborted);
            return await RunAsync(call, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            return Failed(EndpointErrorKind.Cancelled, "The call was cancelled", e, PolicyRecord.None);
        }
        catch (OperationCanceledException e) when (inFlight.Aborted.IsCancellationRequested)
        {
            return Failed(EndpointErrorKind.Cancelled, InFlightCalls.StoppedMessage, e, PolicyRecord.None);
        }
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

        // 4: validation, conversion and defaults; the arguments of a verbatim input schema pass through as sent.
        IReadOnlyDictionary<string, object?> arguments;
        try
        {
            arguments = definition.InputSchema is not null && definition.Parameters.Count == 0
                ? raw.ToDictionary(a => a.Key, a => (object?)a.Value.Clone(), StringComparer.Ordinal)
                : ArgumentValidator.Validate(definition.Parameters, raw);
        }
        catch (ArgumentValidationException e)
        {
            return Failed(EndpointErrorKind.InvalidArguments, e.Message, e, Record(input));
        }

        // 5: execute (a prompt of a project file renders its templates).
        if (definition.Kind == EndpointKind.Prompt && endpoint.Executor is null)
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
                new EndpointInvocation
                {
                    Endpoint = definition,
                    SourceText = endpoint.SourceText,
                    Arguments = arguments,
                    Uri = call.ResourceUri,
                    Context = call.Context,
                    WriteOnly = call.WritesResultOnly && definition.Return is null && !definition.ReturnsMcpResult && !endpoint.Policies.HasOutputRules,
                },
                cancellationToken).ConfigureAwait(false);

            // 6: shape the raw result to the declared return type.
            value = definition.ReturnsMcpResult ? McpResultView.Check(value, definition.Kind) : ResultShaper.Shape(value, definition.Return);
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

        // 8: output policies (over the value an MCP result carries, when the executor returned one).
        var seen = definition.ReturnsMcpResult && endpoint.Policies.HasPolicies ? McpResultView.Of(value!, definition.Kind) : value;
        var output = endpoint.Policies.EvaluateOutput(seen, user, input, budget);
        if (output.IsDenied)
        {
            return Failed(EndpointErrorKind.PolicyDenied, output.ClientMessage!, null, Record(output), arguments);
        }

        // What the policies returned is the response; an MCP result is rebuilt around it only when a policy changed it.
        var response = !definition.ReturnsMcpResult ? output.Response
            : ReferenceEquals(seen, value) || ReferenceEquals(output.Response, seen) ? value
            : McpResultView.With(value!, definition.Kind, output.Response);
        return new EndpointCallResult { Value = response, Arguments = arguments, Policy = Record(output) };
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
