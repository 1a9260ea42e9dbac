using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mxcp.Plugins.Shared;

namespace Mxcp.Plugins.OnePassword;

/// <summary>
/// Reads a field of an item from a 1Password Connect server: the vault by title (<c>GET /v1/vaults?filter=title eq
/// "..."</c>), the item by title in it (<c>GET /v1/vaults/{id}/items?filter=title eq "..."</c>), then the full item
/// (<c>GET /v1/vaults/{id}/items/{id}</c>). A vault or item written as its ID is used directly when no title matches.
/// </summary>
internal sealed partial class ConnectClient(HttpClient http, TimeProvider time)
{
    [GeneratedRegex("^[a-z0-9]{26}$")]
    private static partial Regex IdPattern();

    public async Task<string> ReadAsync(OnePasswordSettings settings, string token, OnePasswordReference reference, CancellationToken cancellationToken)
    {
        var request = new ConnectRequest(http, settings, token);
        var vaultId = await FindAsync(request, "vaults", reference.Vault, $"vault '{reference.Vault}'", cancellationToken).ConfigureAwait(false);
        var itemsPath = $"vaults/{Uri.EscapeDataString(vaultId)}/items";
        var what = $"item '{reference.Item}' in vault '{reference.Vault}'";
        var itemId = await FindAsync(request, itemsPath, reference.Item, what, cancellationToken).ConfigureAwait(false);
        var item = await request.GetAsync($"{itemsPath}/{Uri.EscapeDataString(itemId)}", what, cancellationToken).ConfigureAwait(false);
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw request.Unusable($"{itemsPath}/{itemId}");
        }

        var field = FindField(item, reference, what);
        return reference.Otp ? OneTimePassword(field, reference, what) : Value(field, reference, what);
    }

    /// <summary>The ID of the one vault or item titled <paramref name="name"/>, or <paramref name="name"/> itself when it is an existing ID.</summary>
    private static async Task<string> FindAsync(ConnectRequest request, string collection, string name, string what, CancellationToken cancellationToken)
    {
        // The filter is SCIM-style: a double quote or backslash in a title is escaped with a backslash.
        var filter = $"title eq \"{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
        var list = await request.GetAsync($"{collection}?filter={Uri.EscapeDataString(filter)}", what, cancellationToken).ConfigureAwait(false);
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw request.Unusable(collection);
        }

        var ids = list.EnumerateArray()
            .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
            .Select(e => e.GetProperty("id").GetString()!)
            .ToList();
        if (ids.Count == 1)
        {
            return ids[0];
        }

        if (ids.Count > 1)
        {
            throw new InvalidOperationException($"{ids.Count} matches for the {what} on 1Password Connect at {request.Origin}; use the ID instead of the name");
        }

        if (IdPattern().IsMatch(name))
        {
            var byId = await request.TryGetAsync($"{collection}/{name}", what, cancellationToken).ConfigureAwait(false);
            if (byId is not null)
            {
                return name;
            }
        }

        throw new InvalidOperationException($"no {what} is accessible with the Connect token in {request.Settings.ConnectTokenEnv} on 1Password Connect at {request.Origin}");
    }

    private static JsonElement FindField(JsonElement item, OnePasswordReference reference, string what)
    {
        var fields = item.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Array
            ? f.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList()
            : [];
        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        var matches = fields.Where(e => Text(e, "id") == reference.Field).ToList();
        if (matches.Count == 0)
        {
            matches = fields.Where(e => Text(e, "label") == reference.Field).ToList();
        }

        if (matches.Count == 0)
        {
            matches = fields.Where(e => string.Equals(Text(e, "label"), reference.Field, StringComparison.OrdinalIgnoreCase)).ToList();
        }

        if (matches.Count == 1)
        {
            return matches[0];
        }

        if (matches.Count > 1)
        {
            throw new InvalidOperationException($"the {what} has {matches.Count} fields labelled '{reference.Field}'; use the field's ID");
        }

        var labels = fields.Select(e => Text(e, "label")).Where(l => !string.IsNullOrEmpty(l)).Distinct().ToList();
        var listed = labels.Count == 0 ? "it has no fields" : $"its fields: {string.Join(", ", labels.Take(20))}{(labels.Count > 20 ? ", ..." : "")}";
        throw new InvalidOperationException($"the {what} has no field '{reference.Field}' ({listed})");
    }

    private static string Value(JsonElement field, OnePasswordReference reference, string what) =>
        field.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidOperationException($"the field '{reference.Field}' of the {what} has no value");

    /// <summary>The current code: what Connect computed (<c>totp</c>), else computed here from the stored secret.</summary>
    private string OneTimePassword(JsonElement field, OnePasswordReference reference, string what)
    {
        if (field.TryGetProperty("totp", out var code) && code.ValueKind == JsonValueKind.String && code.GetString()!.Length > 0)
        {
            return code.GetString()!;
        }

        var isOtpField = field.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            && string.Equals(type.GetString(), "OTP", StringComparison.OrdinalIgnoreCase);
        if (isOtpField && field.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String
            && Totp.TryParse(value.GetString()!) is { } totp)
        {
            return totp.CodeAt(time.GetUtcNow());
        }

        throw new InvalidOperationException(isOtpField
            ? $"the one-time password field '{reference.Field}' of the {what} holds no usable TOTP secret"
            : $"the field '{reference.Field}' of the {what} is not a one-time password field (?attribute=otp needs one)");
    }

    /// <summary>One resolution's requests: the server, the token, and how its answers become messages.</summary>
    private sealed class ConnectRequest(HttpClient http, OnePasswordSettings settings, string token)
    {
        public OnePasswordSettings Settings => settings;

        public string Origin => ConfigSection.Origin(settings.ConnectHost!);

        public async Task<JsonElement> GetAsync(string apiPath, string what, CancellationToken cancellationToken) =>
            await TryGetAsync(apiPath, what, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"no {what} on 1Password Connect at {Origin} (404 for /v1/{PathOnly(apiPath)})");

        /// <summary>The JSON answer, or <see langword="null"/> on 404.</summary>
        public async Task<JsonElement?> TryGetAsync(string apiPath, string what, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, settings.ConnectUrl(apiPath));
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            request.Headers.Accept.ParseAdd("application/json");
            BoundedResponse response;
            try
            {
                response = await BoundedHttp.SendAsync(http, request, settings.Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (SecretServerException e)
            {
                throw new InvalidOperationException($"1Password Connect at {Origin} {e.Message}", e);
            }

            switch (response.Status)
            {
                case HttpStatusCode.NotFound:
                    return null;
                case HttpStatusCode.Unauthorized:
                    throw new InvalidOperationException(
                        $"1Password Connect at {Origin} refused the token in {settings.ConnectTokenEnv} ({response.StatusText}{Message(response)})");
                case HttpStatusCode.Forbidden:
                    throw new InvalidOperationException(
                        $"1Password Connect at {Origin} does not let the token in {settings.ConnectTokenEnv} read the {what} ({response.StatusText}{Message(response)})");
                case var _ when !response.IsSuccess:
                    throw new InvalidOperationException(
                        $"1Password Connect at {Origin} answered {response.StatusText} for /v1/{PathOnly(apiPath)}{Message(response)}");
            }

            try
            {
                using var document = JsonDocument.Parse(response.Body);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                throw Unusable(apiPath);
            }
        }

        public InvalidOperationException Unusable(string apiPath) =>
            new($"1Password Connect at {Origin} answered /v1/{PathOnly(apiPath)} with a body that is not what its API documents");

        private static string PathOnly(string apiPath) => apiPath.Split('?')[0];

        /// <summary>Connect's <c>message</c> as <c>: Invalid token</c>, or empty.</summary>
        private static string Message(BoundedResponse response)
        {
            try
            {
                using var document = JsonDocument.Parse(response.Body);
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var message)
                    && message.ValueKind == JsonValueKind.String)
                {
                    var text = string.Join(' ', message.GetString()!.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
                    return text.Length == 0 ? "" : ": " + (text.Length > 200 ? text[..200] + "..." : text);
                }
            }
            catch (JsonException)
            {
                // Not Connect's JSON: the status alone is reported.
            }

            return "";
        }
    }
}
