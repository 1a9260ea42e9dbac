using System.Text;
using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Execution;

namespace Mxcp.Cli;

/// <summary>
/// Parses the value syntax of <c>--param</c>, <c>--user-context</c> and <c>--request-headers</c>.
/// A bad value is a <see cref="CliParameterException"/> with the reference's message (exit code 2).
/// </summary>
internal static class CliArguments
{
    /// <summary><c>name=value</c> stays a string (the endpoint's types convert it); <c>name=@file.json</c> is the file's JSON.</summary>
    public static Dictionary<string, JsonElement> Parameters(IEnumerable<string>? values)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var item in values ?? [])
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw new CliParameterException($"Parameter must be in format name=value or name=@file.json: {item}");
            }

            var name = item[..eq];
            var value = item[(eq + 1)..];
            result[name] = value.StartsWith('@')
                ? ReadJsonFile(value[1..], path => $"JSON file not found: {path}", (path, error) => $"Invalid JSON in file {path}: {error}")
                : JsonSerializer.SerializeToElement(value);
        }

        return result;
    }

    /// <summary>The user of <c>--user-context</c> (JSON or <c>@file.json</c>): the object is the raw profile.</summary>
    public static UserContext? User(string? value) =>
        JsonObject(value, "User context") is { } profile ? ProfileUser.From(profile, "cli") : null;

    /// <summary>The headers of <c>--request-headers</c> (JSON object or <c>@file.json</c>); <see langword="null"/> when not given.</summary>
    public static Dictionary<string, string>? Headers(string? value)
    {
        if (JsonObject(value, "Request headers") is not { } json)
        {
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in json.EnumerateObject())
        {
            headers[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        }

        return headers;
    }

    private static JsonElement? JsonObject(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var lower = what.ToLowerInvariant();
        JsonElement element;
        if (value.StartsWith('@'))
        {
            element = ReadJsonFile(value[1..], path => $"{what} file not found: {path}", (path, error) => $"Invalid JSON in {lower} file {path}: {error}");
        }
        else
        {
            try
            {
                element = JsonDocument.Parse(value).RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new CliParameterException($"Invalid JSON in {lower}: {e.Message}");
            }
        }

        return element.ValueKind == JsonValueKind.Object ? element : throw new CliParameterException($"{what} must be a JSON object");
    }

    private static JsonElement ReadJsonFile(string path, Func<string, string> notFound, Func<string, string, string> invalid)
    {
        if (!File.Exists(path))
        {
            throw new CliParameterException(notFound(path));
        }

        try
        {
            // Byte order marks (UTF-8/16/32) are detected, as in the reference.
            using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return JsonDocument.Parse(reader.ReadToEnd()).RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliParameterException($"Cannot read {path}: {e.Message}");
        }
        catch (JsonException e)
        {
            throw new CliParameterException(invalid(path, e.Message));
        }
    }
}
