using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Runtime.Configuration;

namespace Mxcp.Runtime.Evals;

/// <summary>
/// Sends one prompt to a language model and returns its text answer, over the Anthropic Messages API
/// (<c>type: claude</c>, <c>POST {base_url}/v1/messages</c>) or the OpenAI Chat Completions API (<c>type: openai</c>,
/// <c>POST {base_url}/chat/completions</c>), as the reference does: the configured model key is the API's model name,
/// <c>max_tokens</c> 4096. The API key is sent in a header only; it never appears in errors.
/// </summary>
internal sealed class ChatModelClient(HttpClient http, string model, ModelConfig config)
{
    public const string AnthropicBaseUrl = "https://api.anthropic.com";
    public const string OpenAiBaseUrl = "https://api.openai.com/v1";

    public string Model => model;

    /// <summary>Whether the model speaks the Anthropic Messages API (else OpenAI Chat Completions).</summary>
    public bool IsClaude => config.Type == "claude";

    public TimeSpan Timeout => TimeSpan.FromSeconds(config.Timeout is > 0 ? config.Timeout.Value : 30);

    public async Task<string> CompleteAsync(string prompt, CancellationToken cancellationToken)
    {
        var attempts = 1 + Math.Max(0, config.MaxRetries ?? 0);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SendAsync(prompt, cancellationToken).ConfigureAwait(false);
            }
            catch (ModelCallException e) when (e.Retryable && attempt < attempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<string> SendAsync(string prompt, CancellationToken cancellationToken)
    {
        var claude = IsClaude;
        var baseUrl = (config.BaseUrl ?? (claude ? AnthropicBaseUrl : OpenAiBaseUrl)).TrimEnd('/');
        using var request = new HttpRequestMessage(HttpMethod.Post, claude ? $"{baseUrl}/v1/messages" : $"{baseUrl}/chat/completions");
        JsonObject body;
        if (claude)
        {
            request.Headers.Add("x-api-key", config.ApiKey);
            request.Headers.Add("anthropic-version", "2023-06-01");
            body = new JsonObject
            {
                ["model"] = model,
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
                ["max_tokens"] = 4096,
            };
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", config.ApiKey);
            body = new JsonObject
            {
                ["model"] = model,
                ["messages"] = new JsonArray(
                    new JsonObject { ["role"] = "system", ["content"] = "You are a helpful assistant." },
                    new JsonObject { ["role"] = "user", ["content"] = prompt }),
                ["max_tokens"] = 4096,
            };
        }

        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        HttpResponseMessage response;
        string text;
        try
        {
            response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ModelCallException($"Model '{model}' did not answer within {Timeout.TotalSeconds:0.#} s ({request.RequestUri})", retryable: true);
        }
        catch (HttpRequestException e)
        {
            throw new ModelCallException($"Cannot reach model '{model}' at {request.RequestUri}: {Scrub(e.Message)}", retryable: true);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                throw new ModelCallException(
                    $"Model '{model}' answered {status} {response.ReasonPhrase} ({request.RequestUri}): {Scrub(ErrorText(text))}",
                    retryable: status is 408 or 429 || status >= 500);
            }

            JsonNode? answer;
            try
            {
                answer = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                answer = null;
            }

            return (claude ? ClaudeText(answer) : OpenAiText(answer))
                ?? throw new ModelCallException($"Model '{model}' sent an answer that is not a {(claude ? "Messages" : "Chat Completions")} response: {Scrub(Truncate(text))}", retryable: false);
        }
    }

    // Every text block of the answer, in order (the reference reads the first); null when it is not a Messages response.
    private static string? ClaudeText(JsonNode? answer)
    {
        if (answer?["content"] is not JsonArray blocks)
        {
            return null;
        }

        var texts = new List<string>();
        foreach (var block in blocks.OfType<JsonObject>().Where(b => Text(b["type"]) is null or "text"))
        {
            if (Text(block["text"]) is not { } text)
            {
                return null;
            }

            texts.Add(text);
        }

        return texts.Count == 0 ? null : string.Concat(texts);
    }

    private static string? OpenAiText(JsonNode? answer) =>
        answer?["choices"] is JsonArray { Count: > 0 } choices ? Text(choices[0]?["message"]?["content"]) : null;

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    // The API's own message when the body is its error envelope, else the body.
    private static string ErrorText(string body)
    {
        try
        {
            if (JsonNode.Parse(body)?["error"] is { } error)
            {
                return error is JsonObject obj && obj["message"] is JsonValue message ? message.ToString() : error.ToJsonString();
            }
        }
        catch (JsonException)
        {
        }

        return Truncate(body);
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500] + "...";

    private string Scrub(string text) =>
        string.IsNullOrEmpty(config.ApiKey) ? text : text.Replace(config.ApiKey, "[REDACTED]", StringComparison.Ordinal);
}

/// <summary>A model call that failed: the server could not be reached, timed out, or answered with an error.</summary>
internal sealed class ModelCallException(string message, bool retryable) : Exception(message)
{
    public bool Retryable { get; } = retryable;
}
