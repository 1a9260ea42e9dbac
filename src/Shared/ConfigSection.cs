using System.Globalization;
using System.Text.Json;

namespace Mxcp.Plugins.Shared;

/// <summary>
/// One block of the user configuration (<c>vault</c>, <c>onepassword</c>) as the runtime hands it to a secret provider:
/// JSON, references already resolved. The runtime has checked key names and types with file and line; these readers
/// still refuse a wrong value with the key path, because a host may pass configuration the runtime never read.
/// </summary>
/// <remarks>Compiled into each secret-manager plugin (a linked source file).</remarks>
internal readonly struct ConfigSection
{
    private readonly JsonElement _element;

    private ConfigSection(JsonElement element, string path, bool present)
    {
        _element = element;
        Path = path;
        IsPresent = present;
    }

    /// <summary>The key path of this block, as <c>vault</c> or <c>vault.approle</c>.</summary>
    public string Path { get; }

    /// <summary>Whether the block is in the configuration (an explicit <c>null</c> counts as absent).</summary>
    public bool IsPresent { get; }

    /// <summary>The block <paramref name="key"/> of the top-level configuration.</summary>
    public static ConfigSection Of(JsonElement userConfig, string key) =>
        userConfig.ValueKind == JsonValueKind.Object && userConfig.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null
            ? new ConfigSection(value, key, present: true)
            : new ConfigSection(default, key, present: false);

    public ConfigSection Section(string key) =>
        TryGet(key, out var value) ? new ConfigSection(value, PathOf(key), present: true) : new ConfigSection(default, PathOf(key), present: false);

    public string PathOf(string key) => Path + "." + key;

    public string? String(string key)
    {
        if (!TryGet(key, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new InvalidOperationException($"{PathOf(key)} must be a string, got {value.ValueKind.ToString().ToLowerInvariant()}");
    }

    public bool? Bool(string key)
    {
        if (!TryGet(key, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            // A reference (${VAULT_ENABLED}) resolves to a string.
            JsonValueKind.String when value.GetString()!.Trim().ToLowerInvariant() is "true" or "yes" or "on" => true,
            JsonValueKind.String when value.GetString()!.Trim().ToLowerInvariant() is "false" or "no" or "off" => false,
            _ => throw new InvalidOperationException($"{PathOf(key)} must be true or false"),
        };
    }

    /// <summary>The name of an environment variable (letters, digits, <c>_</c>), or <paramref name="fallback"/> when absent.</summary>
    public string EnvironmentVariableName(string key, string fallback)
    {
        var name = String(key);
        if (name is null)
        {
            return fallback;
        }

        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? name
            : throw new InvalidOperationException($"{PathOf(key)} must be the name of an environment variable (letters, digits, _)");
    }

    /// <summary>A number of seconds greater than 0 and at most <paramref name="max"/>.</summary>
    public TimeSpan? Seconds(string key, double max)
    {
        if (!TryGet(key, out var value))
        {
            return null;
        }

        double seconds;
        if (value.ValueKind == JsonValueKind.Number)
        {
            seconds = value.GetDouble();
        }
        else if (value.ValueKind != JsonValueKind.String
                 || !double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
        {
            throw new InvalidOperationException($"{PathOf(key)} must be a number of seconds");
        }

        return double.IsFinite(seconds) && seconds > 0 && seconds <= max
            ? TimeSpan.FromSeconds(seconds)
            : throw new InvalidOperationException($"{PathOf(key)} must be greater than 0 and at most {max.ToString(CultureInfo.InvariantCulture)} seconds");
    }

    /// <summary>An absolute <c>http://</c> or <c>https://</c> URL.</summary>
    public Uri? HttpUrl(string key)
    {
        var text = String(key);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
               && string.IsNullOrEmpty(uri.UserInfo) && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment)
            ? uri
            : throw new InvalidOperationException($"{PathOf(key)} must be an http:// or https:// URL without credentials, query or fragment");
    }

    /// <summary>The <c>scheme://host:port</c> of a URL, for messages.</summary>
    public static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    private bool TryGet(string key, out JsonElement value)
    {
        value = default;
        return IsPresent && _element.ValueKind == JsonValueKind.Object && _element.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;
    }
}
