using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mxcp.Admin.Monitoring;
using Mxcp.Admin.Search;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Admin.Routes;

/// <summary>
/// <c>/endpoints</c> (the MXCP list, and BM25 search with <c>q</c>), one endpoint's detail, health and health history,
/// and the run-time switches. Resource URIs go in the path URL-encoded (<c>/endpoints/resource/ops%3A%2F%2Finfo</c>).
/// </summary>
internal static class EndpointRoutes
{
    public const int MaxQueryLength = 500;
    public const int DefaultSearchLimit = 20;
    public const int MaxSearchLimit = 100;

    public static void Map(IEndpointRouteBuilder group, AdminApi api)
    {
        group.MapGet("/endpoints", (HttpContext context) => List(api, context.Request.Query));
        group.MapGet("/endpoints/{type}/{**rest}", (string type, string rest) => Get(api, type, rest));
        group.MapPost("/endpoints/{type}/{**rest}", (string type, string rest) => SetEnabled(api, type, rest));
    }

    private static IResult List(AdminApi api, IQueryCollection query)
    {
        if (ParseListQuery(query) is { Error: { } error })
        {
            return AdminErrors.BadRequest(error);
        }

        if (api.Snapshots.Current is not { } snapshot)
        {
            return AdminErrors.Result(StatusCodes.Status503ServiceUnavailable, "not_loaded", "The project is not loaded");
        }

        var (text, limit, type, _) = ParseListQuery(query);
        var catalog = EndpointCatalog.For(snapshot);
        if (text is null)
        {
            var all = catalog.Entries.Where(e => type is null || e.Type == type).Select(e => (JsonNode)Item(api, e)).ToArray();
            return Results.Json(new JsonObject { ["endpoints"] = new JsonArray(all) });
        }

        var hits = catalog.Index.Search(text, e => type is null || e.Type == type).Take(limit).Select(hit =>
        {
            var item = Item(api, hit.Item);
            item["score"] = hit.Score;
            return (JsonNode)item;
        }).ToArray();
        return Results.Json(new JsonObject { ["query"] = text, ["count"] = hits.Length, ["endpoints"] = new JsonArray(hits) });
    }

    /// <summary>Reads <c>q</c>, <c>limit</c> and <c>type</c>; the error names the parameter and what it must be.</summary>
    internal static (string? Query, int Limit, string? Type, string? Error) ParseListQuery(IQueryCollection query)
    {
        string? text = null;
        if (query.TryGetValue("q", out var q))
        {
            if (q.Count != 1)
            {
                return (null, 0, null, "q may be given once");
            }

            text = q.ToString().Trim();
            if (text.Length == 0)
            {
                return (null, 0, null, "q must not be empty: give the words to search for, e.g. ?q=customer orders");
            }

            if (text.Length > MaxQueryLength)
            {
                return (null, 0, null, $"q is longer than {MaxQueryLength} characters");
            }
        }

        var limit = DefaultSearchLimit;
        if (query.TryGetValue("limit", out var l)
            && (l.Count != 1 || !int.TryParse(l.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxSearchLimit))
        {
            return (null, 0, null, $"limit must be a whole number from 1 to {MaxSearchLimit} (was '{l}')");
        }

        string? type = null;
        if (query.TryGetValue("type", out var t))
        {
            type = t.ToString();
            if (type is not ("tool" or "resource" or "prompt"))
            {
                return (null, 0, null, $"type must be tool, resource or prompt (was '{type}')");
            }
        }

        return (text, limit, type, null);
    }

    /// <summary>One item of <c>GET /endpoints</c>, with the MXCP field names.</summary>
    internal static JsonObject Item(AdminApi api, EndpointCatalog.Entry entry)
    {
        var d = entry.Definition;
        var disabled = IsDisabled(api, entry);
        var error = entry.File?.Error;
        return new JsonObject
        {
            ["path"] = entry.File?.DisplayPath,
            ["type"] = entry.Type,
            ["name"] = d?.Name,
            ["uri"] = d?.Uri,
            ["description"] = d?.Description,
            ["language"] = d?.Language,
            ["enabled"] = d is not null && !disabled && error is null,
            ["status"] = error is not null ? "error" : disabled ? "disabled" : "ok",
            ["error"] = error,
        };
    }

    internal static bool IsDisabled(AdminApi api, EndpointCatalog.Entry entry) =>
        entry.Definition is { } d && (!d.Enabled || api.Availability.IsDisabled(d.Key));

    /// <summary>Splits <c>{name}[/health[/history]]</c>; the name is URL-decoded.</summary>
    internal static (string Name, string View) SplitRest(string rest)
    {
        foreach (var view in (string[])["/health/history", "/health"])
        {
            if (rest.EndsWith(view, StringComparison.Ordinal) && rest.Length > view.Length)
            {
                return (Uri.UnescapeDataString(rest[..^view.Length]), view.TrimStart('/'));
            }
        }

        return (Uri.UnescapeDataString(rest), "");
    }

    private static IResult Get(AdminApi api, string type, string rest)
    {
        if (type is not ("tool" or "resource" or "prompt"))
        {
            return AdminErrors.NotFound($"Unknown endpoint type '{type}': use /endpoints/tool/{{name}}, /endpoints/resource/{{uri}} or /endpoints/prompt/{{name}}");
        }

        if (api.Snapshots.Current is not { } snapshot)
        {
            return AdminErrors.Result(StatusCodes.Status503ServiceUnavailable, "not_loaded", "The project is not loaded");
        }

        var (name, view) = SplitRest(rest);
        if (EndpointCatalog.For(snapshot).Find(type, name) is not { } entry)
        {
            return AdminErrors.NotFound($"Endpoint '{type}/{name}' not found");
        }

        return Results.Json(view switch
        {
            "health" => Health(api, entry),
            "health/history" => History(api, entry),
            _ => Detail(api, entry),
        });
    }

    internal static JsonObject Detail(AdminApi api, EndpointCatalog.Entry entry)
    {
        var d = entry.Definition!;
        var item = Item(api, entry);
        item["key"] = d.Key;
        item["built_in"] = d.IsBuiltIn;
        item["title"] = d.Annotations?.Title;
        item["tags"] = new JsonArray(d.Tags.Select(t => (JsonNode)JsonValue.Create(t)).ToArray());
        item["parameters"] = EndpointCatalog.Parameters(d);
        item["return_type"] = d.Return?.Type.ToString().ToLowerInvariant();
        item["policies"] = new JsonObject { ["input"] = d.Policies?.Input.Count ?? 0, ["output"] = d.Policies?.Output.Count ?? 0 };
        item["tests"] = d.Tests.Count;
        item["warnings"] = new JsonArray((entry.File?.Warnings ?? []).Select(w => (JsonNode)JsonValue.Create(w)).ToArray());
        item["stats"] = Stats(api, entry);
        item["health"] = HealthBody(api, entry);
        return item;
    }

    internal static JsonObject Stats(AdminApi api, EndpointCatalog.Entry entry) =>
        api.Statistics.Find(entry.Type!, entry.Id!) is { } stats ? stats.CountsJson() : EndpointStatistics.EmptyCountsJson();

    private static JsonObject HealthBody(AdminApi api, EndpointCatalog.Entry entry)
    {
        var health = api.Statistics.Find(entry.Type!, entry.Id!)?.Health.ToJson() ?? new EndpointHealth().ToJson();
        if (IsDisabled(api, entry))
        {
            // Disabled in its file (enabled: false) as well as by an operator.
            health["state"] = "disabled";
        }

        return health;
    }

    private static JsonObject Health(AdminApi api, EndpointCatalog.Entry entry)
    {
        var health = HealthBody(api, entry);
        health["endpoint"] = entry.Key;
        return health;
    }

    private static JsonObject History(AdminApi api, EndpointCatalog.Entry entry)
    {
        var transitions = api.Statistics.Find(entry.Type!, entry.Id!)?.Health.History() ?? [];
        return new JsonObject
        {
            ["endpoint"] = entry.Key,
            ["capacity"] = EndpointHealth.HistoryCapacity,
            ["transitions"] = new JsonArray(transitions.Select(t => (JsonNode)t.ToJson()).ToArray()),
        };
    }

    private static IResult SetEnabled(AdminApi api, string type, string rest)
    {
        var slash = rest.LastIndexOf('/');
        var action = slash < 0 ? "" : rest[(slash + 1)..];
        var name = slash < 0 ? rest : Uri.UnescapeDataString(rest[..slash]);
        if (action is not ("disable" or "enable") || type is not ("tool" or "resource" or "prompt"))
        {
            return AdminErrors.NotFound("Use POST /endpoints/{tool|resource|prompt}/{name}/disable or /enable");
        }

        var key = $"{type}/{name}";
        var known = api.Snapshots.Current?.Endpoints.Any(e => e.Key == key) == true
            || api.Snapshots.Current?.Files.Any(f => f.Definition?.Key == key) == true
            || api.Availability.IsDisabled(key);
        if (!known)
        {
            return AdminErrors.NotFound($"Endpoint '{key}' not found");
        }

        var disable = action == "disable";
        var changed = api.Availability.Set(key, disable);
        return Results.Json(new JsonObject { ["status"] = "ok", ["endpoint"] = key, ["enabled"] = !disable, ["changed"] = changed });
    }
}
