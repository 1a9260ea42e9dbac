using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Shared;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// Sends large tool results as JSON written once by Mxcp instead of through the SDK's serialization.
/// </summary>
/// <remarks>
/// The SDK turns a <see cref="CallToolResult"/> into a JSON node (serialized, then parsed) and writes that node into
/// the response, so a result's text content is escaped twice, each time through one contiguous buffer of up to six
/// times the text's length taken from the shared array pool, which keeps it: a 13 MB text took the server from 180 MB
/// to 1.8 GB. A result whose text reaches <see cref="ThresholdBytes"/> is instead written here, once, into 64 KiB
/// arrays (below the large object heap), and the tool returns a small stand-in carrying a token; the outgoing message
/// filter puts the written JSON in place of the stand-in's node as the response leaves. Only done when the server
/// runs that filter and no other outgoing message filter and no tools/call filter of the host's: those would see the
/// stand-in, not the result. Where the transport can (<see cref="IResultSplicer"/>: an HTTP POST's response), the
/// message the SDK formats carries a small stand-in again and the transport writes the JSON in its place, so the SDK
/// never buffers the answer either.
/// </remarks>
internal static partial class DeferredToolResults
{
    /// <summary>Results whose text content is at least this long (UTF-8 bytes, or characters for a string) are deferred.</summary>
    public const int ThresholdBytes = 256 * 1024;

    private const string ItemKey = "mxcp.deferredToolResult";
    private const string TokenKey = "io.mxcp/deferred";
    private const string LogCategory = "Mxcp.Runtime.Mcp.LargeToolResults";

    private static long s_lastToken;

    // A node made with a type's metadata writes with it only under the options the metadata belongs to; under other
    // options it looks the type up again. The SDK's transports write messages under its source-generated context's
    // options, so the metadata is made for those; other writers (the SDK's event stream store) use options that fall
    // back to reflection, which finds the converter named on the type. Without reflection nothing is deferred.
    private static readonly JsonTypeInfo<SentJson> s_typeInfo =
        JsonMetadataServices.CreateValueInfo<SentJson>(TransportOptions(), new SentJsonConverter());

    private static readonly JsonWriterOptions s_textWriterOptions = new() { Encoder = McpJsonUtilities.DefaultOptions.Encoder };

    /// <summary>The outgoing message filter that swaps a stand-in for the result it stands for.</summary>
    public static readonly McpMessageFilter Filter = next => (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcResponse { Context.Items: { Count: > 0 } items } response
            && items.Remove(ItemKey, out var item)
            && item is Pending pending
            && response.Result is JsonObject standIn
            && IsStandIn(standIn, pending.Token))
        {
            var written = pending.Finish(standIn);
            var spliceStandIn = context.Services?.GetService<IResultSplicer>()?.TryAdd(written.Json);
            response.Result = JsonValue.Create(spliceStandIn is null ? written : new SentJson(new ReadOnlySequence<byte>(spliceStandIn)), s_typeInfo);
            if (context.Services?.GetService<ILoggerFactory>() is { } loggers)
            {
                var logger = loggers.CreateLogger(LogCategory);
                if (spliceStandIn is null)
                {
                    LogSent(logger, response.Id.ToString(), written.Json.Length);
                }
                else
                {
                    LogSpliced(logger, response.Id.ToString(), written.Json.Length);
                }
            }
        }

        return next(context, cancellationToken);
    };

    /// <summary>
    /// Writes the result (the text content, escaped, from <paramref name="textUtf8"/> or <paramref name="textChars"/>,
    /// whichever is not empty, and the structured content's JSON <paramref name="structured"/> when present), keeps it
    /// with the request and returns the stand-in; null when this request's server cannot swap it in.
    /// </summary>
    public static CallToolResult? TryDefer(MessageContext? request, DirectToolResult? direct, ReadOnlySpan<byte> textUtf8, ReadOnlySpan<char> textChars, ReadOnlySpan<byte> structured)
    {
        if (!CanDefer(request, direct))
        {
            return null;
        }

        var (output, writer) = StartText();
        using (writer)
        {
            if (textChars.IsEmpty)
            {
                var escaper = new Utf8StringEscaper(writer);
                escaper.Write(textUtf8);
                escaper.End();
            }
            else
            {
                WriteEscaped(writer, textChars);
            }
        }

        return StandIn(request, direct, output, structured);
    }

    /// <summary>As the other overload, for a text content that is UTF-8 JSON in pieces and no structured content.</summary>
    public static CallToolResult? TryDefer(MessageContext? request, DirectToolResult? direct, ReadOnlySequence<byte> textUtf8)
    {
        if (!CanDefer(request, direct))
        {
            return null;
        }

        var (output, writer) = StartText();
        using (writer)
        {
            var escaper = new Utf8StringEscaper(writer);
            foreach (var segment in textUtf8)
            {
                escaper.Write(segment.Span);
            }

            escaper.End();
        }

        return StandIn(request, direct, output, default);
    }

    /// <summary>A result written up to its text content's value, and the writer of that value.</summary>
    private static (ChunkedBufferWriter Output, Utf8JsonWriter Text) StartText()
    {
        var output = new ChunkedBufferWriter();
        output.Write("{\"content\":[{\"type\":\"text\",\"text\":"u8);
        return (output, new Utf8JsonWriter(output, s_textWriterOptions));
    }

    private static bool CanDefer(MessageContext? request, DirectToolResult? direct)
    {
        if (direct is not null)
        {
            return true;
        }

        if (request is null)
        {
            return false;
        }

        var filters = request.Server.ServerOptions.Filters;
        return JsonSerializer.IsReflectionEnabledByDefault
            && filters.Request.CallToolFilters.Count == 0
            && filters.Message.OutgoingFilters is [var only]
            && only == Filter;
    }

    /// <summary>
    /// Ends the content (and adds the structured content), keeps the result with the request, returns the stand-in. For a
    /// call the transport answers itself, the result is ended and handed to <paramref name="direct"/> instead.
    /// </summary>
    private static CallToolResult StandIn(MessageContext? request, DirectToolResult? direct, ChunkedBufferWriter output, ReadOnlySpan<byte> structured)
    {
        output.Write("}]"u8);
        if (!structured.IsEmpty)
        {
            output.Write(",\"structuredContent\":"u8);
            output.Write(structured);
        }

        if (direct is not null)
        {
            output.Write("}"u8);
            direct.Json = output.ToSequence();
            return DirectToolResult.Taken;
        }

        var token = Interlocked.Increment(ref s_lastToken);
        request!.Items[ItemKey] = new Pending(output, token);
        return new CallToolResult
        {
            // Only seen if the response left without the filter: a failure, never a wrong answer.
            IsError = true,
            Content = [new TextContentBlock { Text = "The result was not sent: it was replaced on the way out and the replacement was lost." }],
            Meta = new JsonObject { [TokenKey] = token },
        };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The result of request {RequestId} ({Bytes} bytes) was sent as the JSON Mxcp wrote")]
    private static partial void LogSent(ILogger logger, string requestId, long bytes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The result of request {RequestId} ({Bytes} bytes) goes into the response as the JSON Mxcp wrote, in place of its stand-in")]
    private static partial void LogSpliced(ILogger logger, string requestId, long bytes);

    private static bool IsStandIn(JsonObject result, long token) =>
        result.TryGetPropertyValue("_meta", out var meta)
        && meta is JsonObject m
        && m.TryGetPropertyValue(TokenKey, out var value)
        && value is JsonValue v
        && v.TryGetValue<long>(out var t)
        && t == token;

    /// <summary>The text as one JSON string, escaped a slice at a time (never splitting a surrogate pair).</summary>
    private static void WriteEscaped(Utf8JsonWriter writer, ReadOnlySpan<char> chars)
    {
        const int Slice = 2048;
        while (chars.Length > Slice)
        {
            var cut = char.IsLowSurrogate(chars[Slice]) ? Slice - 1 : Slice;
            writer.WriteStringValueSegment(chars[..cut], isFinalSegment: false);
            chars = chars[cut..];
        }

        writer.WriteStringValueSegment(chars, isFinalSegment: true);
    }

    /// <summary>The options of the SDK's source-generated context (the first resolver of its default options).</summary>
    private static JsonSerializerOptions TransportOptions() =>
        McpJsonUtilities.DefaultOptions.TypeInfoResolverChain
            .OfType<JsonSerializerContext>()
            .FirstOrDefault(c => c.GetTypeInfo(typeof(JsonRpcMessage)) is not null)?.Options
        ?? McpJsonUtilities.DefaultOptions;

    /// <summary>A result written up to its last member, waiting for what the SDK adds to the stand-in on the way out.</summary>
    private sealed class Pending(ChunkedBufferWriter output, long token)
    {
        public long Token => token;

        /// <summary>
        /// Ends the result with the members the SDK put on the stand-in after the tool returned (the server's identity
        /// in <c>_meta</c>, the result type), less the stand-in's own content, error flag and token.
        /// </summary>
        public SentJson Finish(JsonObject standIn)
        {
            var extra = new JsonObject();
            foreach (var (name, value) in standIn)
            {
                if (name is "content" or "isError" or "structuredContent")
                {
                    continue;
                }

                if (name == "_meta" && value is JsonObject meta)
                {
                    var rest = new JsonObject();
                    foreach (var (key, metaValue) in meta)
                    {
                        if (key != TokenKey)
                        {
                            rest[key] = metaValue?.DeepClone();
                        }
                    }

                    if (rest.Count > 0)
                    {
                        extra[name] = rest;
                    }

                    continue;
                }

                extra[name] = value?.DeepClone();
            }

            if (extra.Count == 0)
            {
                output.Write("}"u8);
            }
            else
            {
                // {"a":1,...} becomes ,"a":1,...} after the result's last member.
                var bytes = JsonSerializer.SerializeToUtf8Bytes(extra, McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonObject>());
                output.Write(","u8);
                output.Write(bytes.AsSpan(1));
            }

            return new SentJson(output.ToSequence());
        }
    }

    /// <summary>A result's JSON, written; a node of this type writes these bytes as they are.</summary>
    [JsonConverter(typeof(SentJsonConverter))]
    private sealed record SentJson(ReadOnlySequence<byte> Json);

    private sealed class SentJsonConverter : JsonConverter<SentJson>
    {
        public override SentJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("A written tool result is only ever written.");

        public override void Write(Utf8JsonWriter writer, SentJson value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Json, skipInputValidation: true);
    }
}
