using System.Text;
using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Cli;

/// <summary>Parses the value syntax of <c>--param</c>, <c>--user-context</c> and <c>--request-headers</c> (mxcp-reference §18.1).</summary>
internal static class CliArguments
{
    /// <summary><c>name=value</c> stays a string (the endpoint's types convert it); <c>name=@file.json</c> is the file's JSON.</summary>
    public static Dictionary<string, JsonElement> Parameters(IEnumerable<string>? values)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var item in values ?? [])
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CliUsageException($"Invalid parameter '{item}': expected name=value or name=@file.json");
            }

            var name = item[..eq];
            var value = item[(eq + 1)..];
            result[name] = value.StartsWith('@') ? ReadJsonFile(value[1..], $"parameter '{name}'") : JsonSerializer.SerializeToElement(value);
        }

        return result;
    }

    /// <summary>A JSON object given inline or as <c>@file.json</c>.</summary>
    public static JsonElement? JsonObject(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        JsonElement element;
        if (value.StartsWith('@'))
        {
            element = ReadJsonFile(value[1..], what);
        }
        else
        {
            try
            {
                element = JsonDocument.Parse(value).RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new CliUsageException($"Invalid JSON for {what}: {e.Message}");
            }
        }

        return element.ValueKind == JsonValueKind.Object ? element : throw new CliUsageException($"{what} must be a JSON object");
    }

    /// <summary>The user of <c>--user-context</c>: the JSON is the raw profile (mxcp-reference §5.2).</summary>
    public static UserContext? User(JsonElement? json, string provider)
    {
        if (json is not { } profile)
        {
            return null;
        }

        string? Field(string name) => profile.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new UserContext
        {
            Provider = provider,
            UserId = Field("user_id") ?? $"{provider}_user",
            Username = Field("username") ?? $"{provider}_user",
            Email = Field("email"),
            Name = Field("name"),
            AvatarUrl = Field("avatar_url"),
            RawProfile = profile,
            ExternalToken = Field("external_token"),
            Capabilities = profile.TryGetProperty("capabilities", out var caps) && caps.ValueKind == JsonValueKind.Array
                ? caps.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()!).ToList()
                : [],
        };
    }

    public static Dictionary<string, string> Headers(JsonElement? json)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (json is { } obj)
        {
            foreach (var p in obj.EnumerateObject())
            {
                headers[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }
        }

        return headers;
    }

    private static JsonElement ReadJsonFile(string path, string what)
    {
        try
        {
            // Byte order marks (UTF-8/16/32) are detected, as in the reference.
            using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return JsonDocument.Parse(reader.ReadToEnd()).RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"Cannot read {what} from '{path}': {e.Message}");
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"Invalid JSON in '{path}' for {what}: {e.Message}");
        }
    }
}
