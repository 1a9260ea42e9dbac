using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Supervision;

namespace Mxcp.Plugins.Upstream.Admin;

/// <summary>
/// The admin API's <c>/upstreams</c> routes: the upstreams with their health, tools and quarantine, approval of held
/// tool definitions, and restarts. Never shows headers, environment values or URL queries.
/// </summary>
internal sealed class UpstreamAdminApi(UpstreamHub hub, IServiceProvider services, IPolicyReader? policyReader = null) : IAdminApiContributor
{
    private static readonly string[] BulkActions = ["approve", "restart", "enable", "disable"];
    private readonly UpstreamManagement _management = new(hub, services, policyReader);

    public string OpenApiTag => "Upstreams";

    public IReadOnlyList<AdminApiRoute> Routes =>
    [
        new()
        {
            Method = "GET",
            Pattern = "/upstreams",
            Handler = (_, _) => ValueTask.FromResult(AdminApiResponse.Ok(new JsonObject
            {
                ["upstreams"] = new JsonArray([.. hub.Connections.Select(c => (JsonNode)Summary(c))]),
            })),
            OpenApi = Operation("List upstream MCP servers", "Each upstream with its health, the number of tools served and held for approval.", "UpstreamList", withName: false),
        },
        new()
        {
            Method = "GET",
            Pattern = "/upstreams/{name}",
            Handler = (request, _) => ValueTask.FromResult(WithUpstream(request, Detail)),
            OpenApi = Operation("Show an upstream", "Health and its history of transitions, the upstream's tools (served, held, filtered out or not served), what is not served and why, and the changes waiting for approval.", "UpstreamDetail", withName: true),
        },
        new()
        {
            Method = "POST",
            Pattern = "/upstreams/{name}/approve",
            Handler = (request, _) => ValueTask.FromResult(Approve(request)),
            OpenApi = Approval(),
        },
        new()
        {
            Method = "POST",
            Pattern = "/upstreams/{name}/restart",
            Handler = (request, _) => RestartAsync(request),
            OpenApi = Operation("Restart an upstream", "Drops the connection (a stdio upstream's process is stopped) and connects again at once.", "UpstreamRestart", withName: true, status: "202"),
        },
        EnableRoute(enabled: true),
        EnableRoute(enabled: false),
        new()
        {
            Method = "POST",
            Pattern = "/upstreams",
            Handler = async (request, cancellationToken) =>
            {
                var name = request.Body is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : null;
                return name is null
                    ? AdminApiResponse.Error(400, "invalid_upstream", "name: the body is the upstream's settings as in mxcp-site.yml with its 'name' ({\"name\": \"shop\", \"url\": ...})")
                    : await PutAsync(name, request.Body, replace: false, cancellationToken).ConfigureAwait(false);
            },
            OpenApi = Management("Add an upstream", "Checks the settings like mxcp-site.yml does, writes them under 'upstreams' in mxcp-site.yml (only that entry's lines; atomically) and reloads the project: the upstream connects and its tools are served (clients get list_changed). Header and environment values are shown only when they are references.", withName: false),
        },
        new()
        {
            Method = "PUT",
            Pattern = "/upstreams/{name}",
            Handler = (request, cancellationToken) => new ValueTask<AdminApiResponse>(PutAsync(request.RouteValues.GetValueOrDefault("name") ?? "", request.Body, replace: true, cancellationToken)),
            OpenApi = Management("Add or replace an upstream", "Like POST /upstreams, for the upstream named in the path: replaces its settings when it exists (its connection is kept when only what is served from it changed).", withName: true),
        },
        new()
        {
            Method = "DELETE",
            Pattern = "/upstreams/{name}",
            Handler = async (request, cancellationToken) =>
            {
                var name = request.RouteValues.GetValueOrDefault("name") ?? "";
                return await _management.DeleteAsync(name, cancellationToken).ConfigureAwait(false)
                    ?? AdminApiResponse.Ok(new JsonObject { ["upstream"] = name, ["deleted"] = true });
            },
            OpenApi = Operation("Remove an upstream", "Removes the upstream from mxcp-site.yml and reloads the project: its connection is closed (a stdio process stopped) and its tools are withdrawn (clients get list_changed).", "UpstreamDeleted", withName: true),
        },
        .. BulkActions.Select(action => new AdminApiRoute
        {
            Method = "POST",
            Pattern = "/upstreams/" + action,
            Handler = (request, cancellationToken) => new ValueTask<AdminApiResponse>(BulkAsync(action, request, cancellationToken)),
            OpenApi = Bulk(action),
        }),
        new()
        {
            Method = "GET",
            Pattern = "/cache/stats",
            Handler = (_, _) => ValueTask.FromResult(AdminApiResponse.Ok(CacheStats())),
            OpenApi = Operation("Show the response cache", "For each upstream with a cache: its ttl and bound, the entries held, hits, misses, evictions and expired entries.", "CacheStats", withName: false),
        },
        new()
        {
            Method = "POST",
            Pattern = "/cache/clear",
            Handler = (request, _) => ValueTask.FromResult(ClearCache(request)),
            OpenApi = CacheClear(),
        },
    ];

    public IReadOnlyDictionary<string, JsonObject> OpenApiSchemas { get; } = new Dictionary<string, JsonObject>
    {
        ["UpstreamList"] = Object(("upstreams", new JsonObject { ["type"] = "array", ["items"] = Ref("Upstream") })),
        ["Upstream"] = Object(
            ("name", Type("string")), ("transport", Type("string")), ("target", Type("string")), ("prefix", Type("string")),
            ("enabled", Type("boolean")), ("quarantine", Type("boolean")), ("health", Ref("UpstreamHealth")),
            ("server", Type("object")), ("tools", Type("integer")), ("pending", Type("integer"))),
        ["UpstreamHealth"] = Object(
            ("state", Type("string")), ("consecutive_failures", Type("integer")), ("last_error", Type("string")),
            ("last_success", Type("string")), ("connected_since", Type("string")), ("connections", Type("integer")),
            ("circuit", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("closed", "open", "half_open", null), ["description"] = "The circuit breaker's state; null when it is off" })),
        ["UpstreamDetail"] = Object(
            ("name", Type("string")), ("health", Ref("UpstreamHealth")),
            ("history", new JsonObject { ["type"] = "array", ["items"] = Type("object") }),
            ("tools", new JsonObject { ["type"] = "array", ["items"] = Type("object") }),
            ("pending", new JsonObject { ["type"] = "array", ["items"] = Type("object") }),
            ("not_served", new JsonObject
            {
                ["type"] = "array",
                ["description"] = "The upstream's tools, prompts, resources and resource templates that are not served, and why (a served name another upstream earlier by name serves, a name or URI template Mxcp cannot serve)",
                ["items"] = Object(
                    ("kind", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("tool", "prompt", "resource", "resource_template") }),
                    ("name", Type("string")), ("reason", Type("string"))),
            })),
        ["UpstreamApproval"] = Object(
            ("upstream", Type("string")), ("approved", new JsonObject { ["type"] = "array", ["items"] = Type("string") }),
            ("pending", new JsonObject { ["type"] = "array", ["items"] = Type("string") })),
        ["UpstreamRestart"] = Object(("upstream", Type("string")), ("status", Type("string"))),
        ["CacheStats"] = Object(("upstreams", new JsonObject
        {
            ["type"] = "array",
            ["items"] = Object(
                ("upstream", Type("string")), ("ttl", Type("number")), ("max_entries", Type("integer")), ("entries", Type("integer")),
                ("hits", Type("integer")), ("misses", Type("integer")), ("evictions", Type("integer")), ("expired", Type("integer"))),
        })),
        ["UpstreamEnabled"] = Object(("upstream", Type("string")), ("enabled", Type("boolean")), ("changed", Type("boolean"))),
        ["CacheClear"] = Object(("cleared", Type("integer"))),
        ["UpstreamSettings"] = new JsonObject
        {
            ["type"] = "object",
            ["description"] = "The upstream's settings as under 'upstreams.<name>' in mxcp-site.yml (url or command, args, env, cwd, headers, prefix, timeout, health_interval, include, exclude, quarantine, enabled, cache, retries, circuit_breaker, policies); POST /upstreams also takes its 'name'.",
            ["additionalProperties"] = true,
        },
        ["UpstreamChanged"] = Object(
            ("upstream", Type("string")), ("created", Type("boolean")), ("config", Type("object")), ("status", Ref("Upstream"))),
        ["UpstreamDeleted"] = Object(("upstream", Type("string")), ("deleted", Type("boolean"))),
        ["UpstreamBulk"] = Object(("action", Type("string")), ("results", new JsonObject
        {
            ["type"] = "array",
            ["items"] = Object(("upstream", Type("string")), ("status", Type("integer")), ("result", Type("object")), ("error", Type("object"))),
        })),
    };

    private async Task<AdminApiResponse> PutAsync(string name, JsonElement? body, bool replace, CancellationToken cancellationToken)
    {
        var (error, created, config) = await _management.PutAsync(name, body, replace, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var answer = new JsonObject { ["upstream"] = name, ["created"] = created, ["config"] = config };
        if (hub.Find(name) is { } connection)
        {
            answer["status"] = Summary(connection);
        }

        return new AdminApiResponse(created ? 201 : 200, answer);
    }

    /// <summary>One action for each upstream of <c>{"names": [...]}</c>, answered per name with the single route's status and body.</summary>
    private async Task<AdminApiResponse> BulkAsync(string action, AdminApiRequest request, CancellationToken cancellationToken)
    {
        if (request.Body is not { ValueKind: JsonValueKind.Object } body || !body.TryGetProperty("names", out var list)
            || list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(n => n.ValueKind != JsonValueKind.String))
        {
            return AdminApiResponse.Error(400, "invalid_request", $"The body is {{\"names\": [upstream names]}}: the upstreams to {action}");
        }

        var results = new JsonArray();
        foreach (var name in list.EnumerateArray().Select(n => n.GetString()!).Distinct(StringComparer.Ordinal))
        {
            var single = new AdminApiRequest { RouteValues = new Dictionary<string, string> { ["name"] = name } };
            var response = action switch
            {
                "approve" => Approve(single),
                "restart" => await RestartAsync(single).ConfigureAwait(false),
                _ => await SetEnabledAsync(name, action == "enable", cancellationToken).ConfigureAwait(false),
            };
            var result = new JsonObject { ["upstream"] = name, ["status"] = response.StatusCode };
            result[response.StatusCode < 400 ? "result" : "error"] = response.Body.DeepClone();
            results.Add(result);
        }

        return AdminApiResponse.Ok(new JsonObject { ["action"] = action, ["results"] = results });
    }

    private async ValueTask<AdminApiResponse> RestartAsync(AdminApiRequest request)
    {
        if (Find(request, out var error) is not { } connection)
        {
            return error!;
        }

        await connection.RestartAsync().ConfigureAwait(false);
        return new AdminApiResponse(202, new JsonObject { ["upstream"] = connection.Name, ["status"] = "restarting" });
    }

    private async Task<AdminApiResponse> SetEnabledAsync(string name, bool enabled, CancellationToken cancellationToken) =>
        await hub.SetEnabledAsync(name, enabled, cancellationToken).ConfigureAwait(false) is { } changed
            ? AdminApiResponse.Ok(new JsonObject { ["upstream"] = name, ["enabled"] = enabled, ["changed"] = changed })
            : AdminApiResponse.Error(404, "not_found", $"No upstream named '{name}'");

    private AdminApiResponse WithUpstream(AdminApiRequest request, Func<UpstreamConnection, JsonObject> answer) =>
        Find(request, out var error) is { } connection ? AdminApiResponse.Ok(answer(connection)) : error!;

    private UpstreamConnection? Find(AdminApiRequest request, out AdminApiResponse? error)
    {
        var name = request.RouteValues.GetValueOrDefault("name") ?? "";
        var connection = hub.Find(name);
        error = connection is null ? AdminApiResponse.Error(404, "not_found", $"No upstream named '{name}'") : null;
        return connection;
    }

    private AdminApiResponse Approve(AdminApiRequest request)
    {
        if (Find(request, out var error) is not { } connection)
        {
            return error!;
        }

        List<string>? tools = null;
        if (request.Body is { } body && body.ValueKind != JsonValueKind.Null)
        {
            if (body.ValueKind != JsonValueKind.Object || (body.TryGetProperty("tools", out var list) && list.ValueKind != JsonValueKind.Array))
            {
                return AdminApiResponse.Error(400, "invalid_request", "The body is {\"tools\": [names]} (the upstream's tool names), or empty to approve every held tool");
            }

            if (body.TryGetProperty("tools", out list))
            {
                tools = [];
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        return AdminApiResponse.Error(400, "invalid_request", "'tools' lists the upstream's tool names as strings");
                    }

                    tools.Add(item.GetString()!);
                }

                var held = hub.Pending(connection.Name).Select(p => p.Tool.Name).ToHashSet(StringComparer.Ordinal);
                if (tools.FirstOrDefault(t => !held.Contains(t)) is { } unknown)
                {
                    return AdminApiResponse.Error(409, "not_pending", $"The tool '{unknown}' of upstream '{connection.Name}' is not waiting for approval");
                }
            }
        }

        var approved = hub.Approve(connection.Name, tools);
        return AdminApiResponse.Ok(new JsonObject
        {
            ["upstream"] = connection.Name,
            ["approved"] = new JsonArray([.. approved.Select(a => (JsonNode)a)]),
            ["pending"] = new JsonArray([.. hub.Pending(connection.Name).Select(p => (JsonNode)p.Tool.Name)]),
        });
    }

    private AdminApiRoute EnableRoute(bool enabled) => new()
    {
        Method = "POST",
        Pattern = enabled ? "/upstreams/{name}/enable" : "/upstreams/{name}/disable",
        Handler = (request, cancellationToken) => new ValueTask<AdminApiResponse>(SetEnabledAsync(request.RouteValues.GetValueOrDefault("name") ?? "", enabled, cancellationToken)),
        OpenApi = enabled
            ? Operation("Enable an upstream", "Connects the upstream again and serves its tools (clients get list_changed), until the server stops or the project changes the upstream's 'enabled'.", "UpstreamEnabled", withName: true)
            : Operation("Disable an upstream", "Closes the upstream's connection (a stdio process is stopped) and withdraws its tools (clients get list_changed), until the server stops or the project changes the upstream's 'enabled'.", "UpstreamEnabled", withName: true),
    };

    private JsonObject CacheStats() => new()
    {
        ["upstreams"] = new JsonArray([.. hub.Connections.Where(c => c.Settings.Cache is not null).Select(c =>
        {
            var stats = hub.Cache.Stats(c.Name);
            return (JsonNode)new JsonObject
            {
                ["upstream"] = c.Name,
                ["ttl"] = c.Settings.Cache!.Ttl.TotalSeconds,
                ["max_entries"] = c.Settings.Cache.MaxEntries,
                ["entries"] = stats.Entries,
                ["hits"] = stats.Hits,
                ["misses"] = stats.Misses,
                ["evictions"] = stats.Evictions,
                ["expired"] = stats.Expired,
            };
        })]),
    };

    private AdminApiResponse ClearCache(AdminApiRequest request)
    {
        string? upstream = null;
        if (request.Body is { } body && body.ValueKind != JsonValueKind.Null)
        {
            if (body.ValueKind != JsonValueKind.Object
                || (body.TryGetProperty("upstream", out var name) && name.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)))
            {
                return AdminApiResponse.Error(400, "invalid_request", "The body is {\"upstream\": name} to clear one upstream's entries, or empty to clear all");
            }

            upstream = body.TryGetProperty("upstream", out name) ? name.GetString() : null;
            if (upstream is not null && hub.Find(upstream) is null)
            {
                return AdminApiResponse.Error(404, "not_found", $"No upstream named '{upstream}'");
            }
        }

        return AdminApiResponse.Ok(new JsonObject { ["cleared"] = hub.Cache.Clear(upstream) });
    }

    private JsonObject Summary(UpstreamConnection connection)
    {
        var settings = connection.Settings;
        return new JsonObject
        {
            ["name"] = connection.Name,
            ["transport"] = settings.Transport,
            ["target"] = settings.Target,
            ["prefix"] = settings.Prefix,
            ["enabled"] = settings.Enabled,
            ["quarantine"] = settings.Quarantine,
            ["health"] = Health(connection),
            ["server"] = connection.ServerName is null ? null : new JsonObject { ["name"] = connection.ServerName, ["version"] = connection.ServerVersion },
            ["tools"] = hub.Served.Values.Count(s => ReferenceEquals(s.Connection, connection)),
            ["pending"] = hub.Pending(connection.Name).Count,
        };
    }

    private JsonObject Detail(UpstreamConnection connection)
    {
        var detail = Summary(connection);
        var served = hub.Served.Values.Where(s => ReferenceEquals(s.Connection, connection))
            .ToDictionary(s => s.Endpoint.Metadata!.Value.GetProperty("upstream_tool").GetString()!, s => s.Endpoint.Name, StringComparer.Ordinal);
        var pending = hub.Pending(connection.Name);
        var notServed = hub.NotServed(connection.Name);
        detail["history"] = new JsonArray([.. connection.History.Select(h => (JsonNode)new JsonObject
        {
            ["at"] = Time(h.At),
            ["from"] = h.From,
            ["to"] = h.To,
            ["error"] = h.Error,
            ["kind"] = h.Kind,
        })]);
        detail["tools"] = new JsonArray([.. connection.Tools.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["served_as"] = served.GetValueOrDefault(t.Name),
            ["status"] = served.ContainsKey(t.Name) ? "served" : pending.Any(p => p.Tool.Name == t.Name) ? "pending"
                : notServed.Any(n => n.Kind == "tool" && n.Name == t.Name) ? "not_served" : "filtered",
            ["description"] = t.Description,
            ["hash"] = t.Hash,
        })]);
        detail["prompts"] = Entries(connection, pending, EndpointKind.Prompt);
        detail["resources"] = Entries(connection, pending, EndpointKind.Resource);
        detail["pending"] = new JsonArray([.. pending.Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p.Tool.Name,
            ["change"] = p.ApprovedHash is null ? "new" : "changed",
            ["hash"] = p.Tool.Hash,
            ["approved_hash"] = p.ApprovedHash,
            ["description"] = p.Tool.Description,
            ["definition"] = JsonNode.Parse(p.Tool.Definition.GetRawText()),
        })]);
        detail["not_served"] = new JsonArray([.. notServed.Select(n => (JsonNode)new JsonObject
        {
            ["kind"] = n.Kind,
            ["name"] = n.Name,
            ["reason"] = n.Reason,
        })]);
        return detail;
    }

    /// <summary>The upstream's prompts or resources (templates included): served (and as what), pending, or not served.</summary>
    private JsonArray Entries(UpstreamConnection connection, IReadOnlyList<PendingTool> pending, EndpointKind kind)
    {
        var served = hub.ServedEntries.Values.Where(s => ReferenceEquals(s.Connection, connection) && s.Endpoint.Kind == kind)
            .ToDictionary(s => s.Endpoint.Metadata!.Value.GetProperty(kind == EndpointKind.Prompt ? "upstream_prompt" : "upstream_uri").GetString()!, s => s.Endpoint.Name, StringComparer.Ordinal);
        return new JsonArray([.. connection.Entries.Where(e => e.Kind == kind).Select(e =>
        {
            var item = new JsonObject();
            if (kind == EndpointKind.Prompt)
            {
                item["name"] = e.Id;
            }
            else
            {
                item[e.IsTemplate ? "uri_template" : "uri"] = e.Id;
                item["name"] = e.Name;
            }

            item["served_as"] = served.GetValueOrDefault(e.Id);
            item["status"] = served.ContainsKey(e.Id) ? "served" : pending.Any(p => p.Tool.Name == e.PinKey) ? "pending" : "not_served";
            item["description"] = e.Description;
            item["hash"] = e.Hash;
            return (JsonNode)item;
        })]);
    }

    private static JsonObject Health(UpstreamConnection connection) => new()
    {
        ["state"] = connection.State,
        ["consecutive_failures"] = connection.ConsecutiveFailures,
        ["last_error"] = connection.LastError,
        ["last_success"] = connection.LastSuccess is { } success ? Time(success) : null,
        ["connected_since"] = connection.ConnectedSince is { } since ? Time(since) : null,
        ["connections"] = connection.Connections,
        ["circuit"] = connection.CircuitState,
    };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static JsonObject Operation(string summary, string description, string schema, bool withName, string status = "200")
    {
        var operation = new JsonObject
        {
            ["summary"] = summary,
            ["description"] = description,
            ["responses"] = new JsonObject
            {
                [status] = new JsonObject
                {
                    ["description"] = summary,
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(schema) } },
                },
            },
        };
        if (withName)
        {
            operation["parameters"] = new JsonArray(new JsonObject
            {
                ["name"] = "name",
                ["in"] = "path",
                ["required"] = true,
                ["schema"] = Type("string"),
                ["description"] = "The upstream's name in mxcp-site.yml",
            });
            ((JsonObject)operation["responses"]!)["404"] = new JsonObject { ["description"] = "No upstream of that name" };
        }

        return operation;
    }

    private static JsonObject Approval()
    {
        var operation = Operation(
            "Approve held tools",
            "Approves the tools of the upstream held by quarantine (new tools, or tools whose name, description, annotations or schemas changed): all of them, or those listed in 'tools'. Their definitions are pinned in .mxcp/upstream-pins.json and served at once.",
            "UpstreamApproval", withName: true);
        operation["requestBody"] = new JsonObject
        {
            ["required"] = false,
            ["content"] = new JsonObject
            {
                ["application/json"] = new JsonObject
                {
                    ["schema"] = Object(("tools", new JsonObject { ["type"] = "array", ["items"] = Type("string") })),
                },
            },
        };
        ((JsonObject)operation["responses"]!)["409"] = new JsonObject { ["description"] = "A listed tool is not waiting for approval" };
        return operation;
    }

    private static JsonObject Management(string summary, string description, bool withName)
    {
        var operation = Operation(summary, description, "UpstreamChanged", withName);
        operation["requestBody"] = new JsonObject
        {
            ["required"] = true,
            ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref("UpstreamSettings") } },
        };
        var responses = (JsonObject)operation["responses"]!;
        responses["201"] = new JsonObject
        {
            ["description"] = "Added",
            ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref("UpstreamChanged") } },
        };
        responses["400"] = new JsonObject { ["description"] = "The settings are wrong (the message names the field), or the project does not load with them" };
        responses["409"] = new JsonObject { ["description"] = "The upstream exists (POST), its prefix is another upstream's, or one of its tools has the name of a project endpoint" };
        responses.Remove("404");
        return operation;
    }

    private static JsonObject Bulk(string action)
    {
        var operation = Operation(
            $"{char.ToUpperInvariant(action[0])}{action[1..]} several upstreams",
            $"Runs POST /upstreams/{{name}}/{action} for each upstream in 'names' and answers each one's status and body.",
            "UpstreamBulk", withName: false);
        operation["requestBody"] = new JsonObject
        {
            ["required"] = true,
            ["content"] = new JsonObject
            {
                ["application/json"] = new JsonObject { ["schema"] = Object(("names", new JsonObject { ["type"] = "array", ["items"] = Type("string") })) },
            },
        };
        return operation;
    }

    private static JsonObject CacheClear()
    {
        var operation = Operation(
            "Clear the response cache",
            "Drops the cached results of read-only upstream tools: of every upstream, or of the one named in 'upstream'. The counters are kept.",
            "CacheClear", withName: false);
        operation["requestBody"] = new JsonObject
        {
            ["required"] = false,
            ["content"] = new JsonObject
            {
                ["application/json"] = new JsonObject { ["schema"] = Object(("upstream", Type("string"))) },
            },
        };
        ((JsonObject)operation["responses"]!)["404"] = new JsonObject { ["description"] = "No upstream of that name" };
        return operation;
    }

    private static JsonObject Type(string type) => new() { ["type"] = type };

    private static JsonObject Ref(string schema) => new() { ["$ref"] = "#/components/schemas/" + schema };

    private static JsonObject Object(params (string Name, JsonObject Schema)[] properties)
    {
        var props = new JsonObject();
        foreach (var (name, schema) in properties)
        {
            props[name] = schema;
        }

        return new JsonObject { ["type"] = "object", ["properties"] = props };
    }
}
