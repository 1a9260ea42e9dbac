using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Admin.Docs;

/// <summary>
/// The OpenAPI 3.0 description of the admin API (<c>/openapi.json</c>), written out by hand so that it states exactly
/// the paths, parameters and fields the routes produce (they are JSON objects, which no generator can see into).
/// </summary>
internal static class AdminOpenApi
{
    public static JsonObject Build(string serverUrl, IReadOnlyList<IAdminApiContributor>? contributors = null)
    {
        var paths = new JsonObject
        {
            ["/"] = Get("Service information", "Name and version of the admin service, and where its documentation is.", "Service"),
            ["/health"] = Get("Liveness", "Answers while the process runs, also during reloads.", "Health", tag: "Health"),
            ["/ready"] = Get("Readiness", "200 when the project is loaded and no reload is draining calls, 503 otherwise.", "Ready", tag: "Health", extra: Responses503()),
            ["/status"] = Get("Server status", "Version, uptime, profile, database mode and the state of reloads.", "Status", tag: "Server"),
            ["/reload"] = Op("post", "Reload the project", "Queues a reload (coalesced with one already queued): drains calls, rebuilds secrets, references, database connections and endpoints. Check GET /status for the outcome.", "ReloadAccepted", "Server"),
            ["/config"] = Get("Configuration summary", "Project, profile, paths and features. Secrets are never included.", "Config", tag: "Server"),
            ["/config/validate"] = ValidateOp(),
            ["/endpoints"] = EndpointList(),
            ["/endpoints/{type}/{name}"] = EndpointView("One endpoint", "Its definition (description, parameters, tags, return type, policies), status, call statistics and health.", "EndpointDetail"),
            ["/endpoints/{type}/{name}/health"] = EndpointView("Endpoint health",
                "unknown (no calls yet), healthy, degraded (fewer than 3 failures in a row), unhealthy (3 or more) or disabled; the last success, the last error and the failures in a row. Only execution and output errors count as failures: refused arguments, policy denials and cancelled calls do not.",
                "EndpointHealth"),
            ["/endpoints/{type}/{name}/health/history"] = EndpointView("Endpoint health history", "The state transitions of the endpoint, oldest first; the last 100 are kept.", "EndpointHealthHistory"),
            ["/endpoints/{type}/{name}/disable"] = Switch("disable"),
            ["/endpoints/{type}/{name}/enable"] = Switch("enable"),
            ["/diagnostics"] = Get("Diagnostics",
                "Checks of the configuration, secrets (resolved, never shown), endpoint files, the DuckDB file, Python and the project's requirements, plugins, disk space, the admin socket and the clock, each with a hint to fix it. mxcp doctor runs the same checks beside the server.",
                "Diagnostics", tag: "Server"),
            ["/ui/"] = new JsonObject
            {
                ["get"] = new JsonObject
                {
                    ["tags"] = new JsonArray("Console"),
                    ["summary"] = "Operator console",
                    ["description"] = "The web console (HTML): overview, endpoints, sessions, audit log, live events, configuration and dry runs, diagnostics. Served from this API, with no external origin. On a mount with a token, a browser signs in at ui/login.",
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "An HTML page", ["content"] = new JsonObject { ["text/html"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } } } },
                },
            },
            ["/sessions"] = Get("MCP sessions", "The live sessions of the Streamable HTTP and SSE endpoints.", "SessionList", tag: "Sessions"),
            ["/sessions/{id}"] = new JsonObject
            {
                ["parameters"] = new JsonArray(PathParameter("id", "The session id (Mcp-Session-Id)")),
                ["get"] = Operation("One session", "One live session.", "Session", "Sessions", Responses404()),
                ["delete"] = Operation("End a session", "Closes the session; its client must initialize again.", "SessionTerminated", "Sessions", Responses404()),
            },
            ["/stats"] = Get("Call statistics", "Calls, errors, denials, calls in progress and latency percentiles per endpoint since start.", "Stats", tag: "Monitoring"),
            ["/metrics"] = new JsonObject
            {
                ["get"] = new JsonObject
                {
                    ["tags"] = new JsonArray("Monitoring"),
                    ["summary"] = "Prometheus metrics",
                    ["description"] = "The instruments of the mxcp meter in the Prometheus text format 0.0.4.",
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "Metrics", ["content"] = new JsonObject { ["text/plain"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } } } },
                },
            },
            ["/events"] = new JsonObject
            {
                ["get"] = new JsonObject
                {
                    ["tags"] = new JsonArray("Monitoring"),
                    ["summary"] = "Server-Sent Events",
                    ["description"] = "A stream of events: reload.started, reload.completed, endpoints.changed, activity.tool_call.started, activity.tool_call.completed, activity.policy_decision, session.opened, session.closed; a ping every 15 s. Each data line is a JSON object with a timestamp.",
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "An endless event stream", ["content"] = new JsonObject { ["text/event-stream"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } } } },
                },
            },
            ["/system/info"] = Get("System information", "Boot time, CPU counts and total memory.", "SystemInfo", tag: "System"),
            ["/system/cpu"] = Get("CPU usage", "CPU percentages sampled over 100 ms, and the load averages.", "SystemCpu", tag: "System"),
            ["/system/memory"] = Get("Memory usage", "System and swap memory, and this process's resident and virtual size.", "SystemMemory", tag: "System"),
            ["/system/disk"] = Get("Disk usage", "Usage of / and disk I/O counters.", "SystemDisk", tag: "System"),
            ["/system/network"] = Get("Network I/O", "Network counters over all interfaces.", "SystemNetwork", tag: "System"),
            ["/system/process"] = Get("This process", "CPU, memory, threads and file descriptors of the server process.", "SystemProcess", tag: "System"),
            ["/audit/query"] = AuditQuery(),
            ["/audit/stats"] = AuditStats(),
            ["/audit/export"] = AuditExport(),
            ["/audit/{record_id}"] = new JsonObject
            {
                ["parameters"] = new JsonArray(PathParameter("record_id", "The record's record_id")),
                ["get"] = Operation("One audit record", "The record with this id, with the fields of /audit/query.", "AuditRecord", "Audit", Responses404()),
            },
        };
        ((JsonObject)paths["/config"]!)["put"] = PutConfig();

        var tags = new JsonArray(
            new JsonObject { ["name"] = "Health" }, new JsonObject { ["name"] = "Server" }, new JsonObject { ["name"] = "Endpoints" },
            new JsonObject { ["name"] = "Sessions" }, new JsonObject { ["name"] = "Monitoring" }, new JsonObject { ["name"] = "System" },
            new JsonObject { ["name"] = "Audit" }, new JsonObject { ["name"] = "Console" });
        var schemas = Schemas();

        // Plugins' routes: each operation under its path and method, tagged with the plugin's tag unless it names its own.
        foreach (var contributor in contributors ?? [])
        {
            tags.Add(new JsonObject { ["name"] = contributor.OpenApiTag });
            foreach (var route in contributor.Routes)
            {
                var operation = (JsonObject)route.OpenApi.DeepClone();
                operation["tags"] ??= new JsonArray(contributor.OpenApiTag);
                if (paths[route.Pattern] is not JsonObject path)
                {
                    paths[route.Pattern] = path = new JsonObject();
                }

                path[route.Method.ToLowerInvariant()] = operation;
            }

            foreach (var (name, schema) in contributor.OpenApiSchemas)
            {
                schemas[name] = schema.DeepClone();
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject
            {
                ["title"] = "Mxcp admin API",
                ["version"] = "1.0.0",
                ["description"] = "Administration of an Mxcp server: the MXCP admin socket's routes and field names, plus sessions, statistics, metrics, events, dry runs, endpoint switches and audit export. Errors are {error, message, detail}; detail appears in debug mode only. Every unknown path answers 404 and every known path asked with another method 405 (with Allow), in that shape.",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = serverUrl }),
            ["tags"] = tags,
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonObject Get(string summary, string description, string schema, string tag = "Server", JsonObject? extra = null) =>
        new() { ["get"] = Operation(summary, description, schema, tag, extra) };

    private static JsonObject Op(string method, string summary, string description, string schema, string tag) =>
        new() { [method] = Operation(summary, description, schema, tag) };

    private static JsonObject Operation(string summary, string description, string schema, string tag, JsonObject? extraResponses = null)
    {
        var responses = new JsonObject
        {
            ["200"] = new JsonObject
            {
                ["description"] = "OK",
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(schema) } },
            },
        };
        foreach (var (code, response) in extraResponses ?? [])
        {
            responses[code] = response!.DeepClone();
        }

        return new JsonObject { ["tags"] = new JsonArray(tag), ["summary"] = summary, ["description"] = description, ["responses"] = responses };
    }

    private static JsonObject EndpointList()
    {
        var get = Operation("Endpoints, or a search",
            "Without q: every endpoint file with its status (ok, disabled, error) and error, and the built-in tools. With q: the endpoints ranked by BM25 over their names, titles and URIs, tags, parameter names, and descriptions (identifiers are split into words, plurals folded), best first, each with its score.",
            "EndpointList", "Endpoints", Responses400());
        get["parameters"] = new JsonArray(
            QueryParameter("q", "Words to search for (1 to 500 characters)", "string"),
            QueryParameter("limit", "With q: at most this many results, 1 to 100 (default 20)", "integer"),
            QueryParameter("type", "Only endpoints of this type: tool, resource or prompt", "string"));
        return new JsonObject { ["get"] = get };
    }

    private static JsonObject EndpointView(string summary, string description, string schema) => new()
    {
        ["parameters"] = new JsonArray(
            PathParameter("type", "tool, resource or prompt", ["tool", "resource", "prompt"]),
            PathParameter("name", "The tool or prompt name, or the resource URI (URL-encoded)")),
        ["get"] = Operation(summary, description, schema, "Endpoints", Responses404()),
    };

    private static JsonObject PutConfig() => new()
    {
        ["tags"] = new JsonArray("Server"),
        ["summary"] = "Replace the project and reload",
        ["description"] = "Sends a new project as a .zip, .tar or .tar.gz archive (at most 50 MiB, unpacking to at most 200 MiB), or {\"path\": \"/dir\"} of a folder on the server. It is validated as a reload would; then mxcp-site.yml and the source folders (tools, resources, prompts, sql, python, evals, plugins) are written, each file atomically (temporary file, fsync, rename), files the new project lacks are removed, and the project is reloaded. On any failure every file is put back and the last good project keeps serving. Archive entries with '..' segments or absolute paths, links and devices are refused. One at a time: 409 while another runs.",
        ["requestBody"] = new JsonObject
        {
            ["required"] = true,
            ["content"] = new JsonObject
            {
                ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["path"] = new JsonObject { ["type"] = "string" } }, ["required"] = new JsonArray("path") } },
                ["application/zip"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string", ["format"] = "binary" } },
                ["application/gzip"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string", ["format"] = "binary" } },
                ["application/x-tar"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string", ["format"] = "binary" } },
            },
        },
        ["responses"] = new JsonObject
        {
            ["200"] = new JsonObject { ["description"] = "Applied and reloaded", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref("ConfigApplied") } } },
            ["400"] = ErrorResponse("The body is no archive or path, or an entry is refused (outside the project, a link)"),
            ["409"] = ErrorResponse("Another PUT /config is running"),
            ["413"] = ErrorResponse("The archive is too large"),
            ["422"] = new JsonObject { ["description"] = "The project has errors or did not load; nothing changed", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref("ConfigRefused") } } },
            ["500"] = ErrorResponse("A file could not be written; everything was put back"),
        },
    };

    private static JsonObject ErrorResponse(string description) =>
        new() { ["description"] = description, ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref("Error") } } };

    private static JsonObject Responses400() => new() { ["400"] = ErrorResponse("A query parameter is invalid") };

    private static JsonObject Switch(string action)
    {
        var operation = Operation(
            action == "disable" ? "Disable an endpoint" : "Enable an endpoint",
            action == "disable"
                ? "Hides the endpoint from clients at once (list_changed is sent) and refuses calls to it; survives reloads until enabled again."
                : "Serves a disabled endpoint again.",
            "EndpointSwitch", "Endpoints", Responses404());
        return new JsonObject
        {
            ["parameters"] = new JsonArray(
                PathParameter("type", "tool, resource or prompt", ["tool", "resource", "prompt"]),
                PathParameter("name", "The tool or prompt name, or the resource URI (URL-encoded)")),
            ["post"] = operation,
        };
    }

    private static JsonObject ValidateOp() => new()
    {
        ["post"] = new JsonObject
        {
            ["tags"] = new JsonArray("Server"),
            ["summary"] = "Dry-run a candidate project",
            ["description"] = "Checks a candidate mxcp-site.yml and endpoint set and reports every error, changing nothing. Send {\"path\": \"/dir\"} as JSON, or a .zip or .tar.gz archive of the project.",
            ["parameters"] = new JsonArray(QueryParameter("profile", "Validate for this profile (default: the candidate's)", "string")),
            ["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject
                {
                    ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["path"] = new JsonObject { ["type"] = "string" } }, ["required"] = new JsonArray("path") } },
                    ["application/zip"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string", ["format"] = "binary" } },
                    ["application/gzip"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string", ["format"] = "binary" } },
                },
            },
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject { ["description"] = "The report", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref("ValidationReport") } } },
                ["400"] = new JsonObject { ["description"] = "The request names no project", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref("Error") } } },
                ["413"] = ErrorResponse("The archive is too large"),
            },
        },
    };

    private static JsonObject AuditFilters() => new()
    {
        ["parameters"] = new JsonArray(
            QueryParameter("schema_name", "Schema, e.g. mxcp.endpoints", "string"),
            QueryParameter("start_time", "Records at or after this instant (ISO 8601)", "string", "date-time"),
            QueryParameter("end_time", "Records at or before this instant (ISO 8601)", "string", "date-time"),
            QueryParameter("operation_type", "tool, resource or prompt", "string"),
            QueryParameter("operation_name", "Tool or prompt name, or resource URI", "string"),
            QueryParameter("operation_status", "success or error", "string"),
            QueryParameter("user_id", "The caller's user id", "string"),
            QueryParameter("trace_id", "The trace id", "string"),
            QueryParameter("session_id", "The MCP session id", "string"),
            QueryParameter("policy_decision", "allow, deny, warn or n/a", "string"),
            QueryParameter("limit", "1 to 1000 (default 100)", "integer"),
            QueryParameter("offset", "Records to skip (default 0)", "integer")),
    };

    private static JsonObject AuditQuery()
    {
        var path = AuditFilters();
        path["get"] = Operation("Query audit records", "Newest first. Without audit logging: no records.", "AuditQueryResult", "Audit");
        return path;
    }

    private static JsonObject AuditStats() => new()
    {
        ["parameters"] = new JsonArray(
            QueryParameter("start_time", "Records at or after this instant (ISO 8601)", "string", "date-time"),
            QueryParameter("end_time", "Records at or before this instant (ISO 8601)", "string", "date-time")),
        ["get"] = Operation("Audit statistics", "Record counts by type, status and policy decision, and the time span.", "AuditStats", "Audit"),
    };

    private static JsonObject AuditExport()
    {
        var path = AuditFilters();
        ((JsonArray)path["parameters"]!).Add(QueryParameter("format", "jsonl (default), csv or json (one array)", "string"));
        path["get"] = new JsonObject
        {
            ["tags"] = new JsonArray("Audit"),
            ["summary"] = "Export audit records",
            ["description"] = "Streams the matching records (without the default limit of the query) as JSON Lines or CSV; nested values are JSON in CSV cells.",
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "The records",
                    ["content"] = new JsonObject
                    {
                        ["application/x-ndjson"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } },
                        ["text/csv"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } },
                        ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "array", ["items"] = Ref("AuditRecord") } },
                    },
                },
            },
        };
        return path;
    }

    private static JsonObject PathParameter(string name, string description, string[]? values = null)
    {
        var schema = new JsonObject { ["type"] = "string" };
        if (values is not null)
        {
            schema["enum"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        }

        return new JsonObject { ["name"] = name, ["in"] = "path", ["required"] = true, ["description"] = description, ["schema"] = schema };
    }

    private static JsonObject QueryParameter(string name, string description, string type, string? format = null)
    {
        var schema = new JsonObject { ["type"] = type };
        if (format is not null)
        {
            schema["format"] = format;
        }

        return new JsonObject { ["name"] = name, ["in"] = "query", ["required"] = false, ["description"] = description, ["schema"] = schema };
    }

    private static JsonObject Ref(string schema) => new() { ["$ref"] = $"#/components/schemas/{schema}" };

    private static JsonObject Responses404() => new()
    {
        ["404"] = new JsonObject { ["description"] = "Not found", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref("Error") } } },
    };

    private static JsonObject Responses503() => new()
    {
        ["503"] = new JsonObject { ["description"] = "Not ready", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref("Ready") } } },
    };

    private static JsonObject Object(params (string Name, JsonObject Schema)[] properties)
    {
        var props = new JsonObject();
        foreach (var (name, schema) in properties)
        {
            props[name] = schema;
        }

        return new JsonObject { ["type"] = "object", ["properties"] = props };
    }

    private static JsonObject Str(bool nullable = false, string? format = null)
    {
        var s = new JsonObject { ["type"] = "string" };
        if (format is not null)
        {
            s["format"] = format;
        }

        if (nullable)
        {
            s["nullable"] = true;
        }

        return s;
    }

    private static JsonObject Int(bool nullable = false) => nullable ? new JsonObject { ["type"] = "integer", ["nullable"] = true } : new JsonObject { ["type"] = "integer" };

    private static JsonObject Num(bool nullable = false) => nullable ? new JsonObject { ["type"] = "number", ["nullable"] = true } : new JsonObject { ["type"] = "number" };

    private static JsonObject Bool() => new() { ["type"] = "boolean" };

    private static JsonObject Counts() => new() { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "integer" } };

    private static JsonObject Schemas() => new()
    {
        ["Error"] = Object(("error", Str()), ("message", Str()), ("detail", Str(nullable: true))),
        ["Service"] = Object(("service", Str()), ("version", Str()), ("docs", Str()), ("openapi", Str())),
        ["Health"] = Object(("status", Str()), ("timestamp", Str(format: "date-time"))),
        ["Ready"] = Object(("status", Str()), ("reason", Str(nullable: true)), ("timestamp", Str(format: "date-time"))),
        ["Status"] = Object(
            ("status", Str()), ("version", Str()), ("uptime", Str()), ("uptime_seconds", Int()), ("pid", Int()), ("profile", Str(nullable: true)),
            ("mode", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("readwrite", "readonly") }), ("debug", Bool()),
            ("reload", Object(("in_progress", Bool()), ("draining", Bool()), ("active_requests", Int()), ("last_reload", Str(nullable: true, format: "date-time")),
                ("last_reload_status", Str(nullable: true)), ("last_reload_error", Str(nullable: true)))),
            ("admin_socket", Object(("path", Str(nullable: true)))),
            ("endpoints", Counts())),
        ["ReloadAccepted"] = Object(("status", Str()), ("timestamp", Str(format: "date-time")), ("reload_request_id", Str()), ("message", Str())),
        ["Config"] = Object(
            ("status", Str()), ("project", Str()), ("profile", Str()), ("repository_path", Str()), ("duckdb_path", Str(nullable: true)),
            ("readonly", Bool()), ("debug", Bool()), ("endpoints", Counts()),
            ("features", Object(("sql_tools", Bool()), ("audit_logging", Bool()), ("telemetry", Bool()))),
            ("telemetry", Object(("enabled", Bool()), ("protocol", Str(nullable: true)),
                ("tracing", Object(("enabled", Bool()), ("endpoint", Str(nullable: true)), ("console_export", Bool()))),
                ("metrics", Object(("enabled", Bool()), ("endpoint", Str(nullable: true)), ("prometheus", Str(nullable: true)))))),
            ("transport", Str())),
        ["EndpointList"] = Object(("query", Str()), ("count", Int()), ("endpoints", new JsonObject
        {
            ["type"] = "array",
            ["items"] = Object(("path", Str(nullable: true)), ("type", Str(nullable: true)), ("name", Str(nullable: true)), ("uri", Str(nullable: true)),
                ("description", Str(nullable: true)), ("language", Str(nullable: true)), ("enabled", Bool()),
                ("status", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("ok", "disabled", "error") }), ("error", Str(nullable: true)),
                ("score", Num())),
        })),
        ["EndpointStats"] = Object(("calls", Int()), ("errors", Int()), ("denials", Int()), ("active_calls", Int()),
            ("latency_ms", Object(("p50", Num(true)), ("p95", Num(true)), ("p99", Num(true)), ("max", Num(true))))),
        ["EndpointHealth"] = Object(("endpoint", Str()),
            ("state", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("unknown", "healthy", "degraded", "unhealthy", "disabled") }),
            ("last_success", Str(true, "date-time")), ("last_error", Str(true, "date-time")), ("last_error_message", Str(true)),
            ("consecutive_failures", Int()), ("transitions_total", Int())),
        ["EndpointHealthHistory"] = Object(("endpoint", Str()), ("capacity", Int()),
            ("transitions", new JsonObject { ["type"] = "array", ["items"] = Object(("timestamp", Str(format: "date-time")), ("from", Str()), ("to", Str()), ("reason", Str())) })),
        ["EndpointDetail"] = Object(("path", Str(nullable: true)), ("type", Str()), ("name", Str()), ("uri", Str(nullable: true)),
            ("description", Str(nullable: true)), ("language", Str(nullable: true)), ("enabled", Bool()),
            ("status", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("ok", "disabled", "error") }), ("error", Str(nullable: true)),
            ("key", Str()), ("built_in", Bool()), ("title", Str(nullable: true)), ("tags", new JsonObject { ["type"] = "array", ["items"] = Str() }),
            ("parameters", new JsonObject { ["type"] = "array", ["items"] = Object(("name", Str()), ("type", Str()), ("description", Str(nullable: true)), ("required", Bool()), ("sensitive", Bool())) }),
            ("return_type", Str(nullable: true)), ("policies", Object(("input", Int()), ("output", Int()))), ("tests", Int()),
            ("warnings", new JsonObject { ["type"] = "array", ["items"] = Str() }), ("stats", Ref("EndpointStats")), ("health", Ref("EndpointHealth"))),
        ["Diagnostics"] = Object(("status", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("ok", "warning", "error") }), ("timestamp", Str(format: "date-time")),
            ("checks", new JsonObject
            {
                ["type"] = "array",
                ["items"] = Object(("name", Str()), ("status", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("ok", "warning", "error", "skipped") }),
                    ("message", Str()), ("hint", Str(nullable: true)), ("details", new JsonObject { ["type"] = "object" })),
            })),
        ["ConfigApplied"] = Object(("status", Str()), ("project", Str()), ("profile", Str()),
            ("written", new JsonObject { ["type"] = "array", ["items"] = Str() }), ("removed", new JsonObject { ["type"] = "array", ["items"] = Str() }),
            ("ignored", new JsonObject { ["type"] = "array", ["items"] = Str() }),
            ("validated", new JsonObject { ["type"] = "array", ["items"] = Object(("path", Str()), ("status", Str()), ("message", Str(nullable: true))) })),
        ["ConfigRefused"] = Object(("error", Str()), ("message", Str()), ("report", Ref("ValidationReport"))),
        ["EndpointSwitch"] = Object(("status", Str()), ("endpoint", Str()), ("enabled", Bool()), ("changed", Bool())),
        ["ValidationReport"] = Object(("status", Str()), ("project", Str()), ("profile", Str()), ("errors", Int()), ("message", Str(nullable: true)),
            ("validated", new JsonObject { ["type"] = "array", ["items"] = Object(("path", Str()), ("status", Str()), ("message", Str(nullable: true))) })),
        ["Session"] = Object(("session_id", Str()), ("transport", Str()), ("created_at", Str(format: "date-time")), ("last_activity", Str(format: "date-time")),
            ("active", Bool()), ("user_id", Str(nullable: true)), ("client", Object(("name", Str()), ("version", Str()))), ("protocol_version", Str(nullable: true))),
        ["SessionList"] = Object(("sessions", new JsonObject { ["type"] = "array", ["items"] = Ref("Session") })),
        ["SessionTerminated"] = Object(("status", Str()), ("session_id", Str())),
        ["Stats"] = Object(("since", Str(format: "date-time")), ("uptime_seconds", Int()),
            ("totals", Object(("calls", Int()), ("errors", Int()), ("denials", Int()), ("active_calls", Int()))),
            ("endpoints", new JsonObject
            {
                ["type"] = "array",
                ["items"] = Object(("type", Str()), ("name", Str()), ("calls", Int()), ("errors", Int()), ("denials", Int()), ("active_calls", Int()),
                    ("latency_ms", Object(("p50", Num(true)), ("p95", Num(true)), ("p99", Num(true)), ("max", Num(true))))),
            })),
        ["SystemInfo"] = Object(("boot_time_seconds", Int()), ("cpu_count_physical", Int()), ("cpu_count_logical", Int()), ("memory_total_bytes", Int())),
        ["SystemCpu"] = Object(("percent", Num()), ("per_cpu_percent", new JsonObject { ["type"] = "array", ["items"] = Num() }),
            ("load_avg_1min", Num()), ("load_avg_5min", Num()), ("load_avg_15min", Num())),
        ["SystemMemory"] = Object(("total_bytes", Int()), ("available_bytes", Int()), ("used_bytes", Int()), ("free_bytes", Int()), ("percent", Num()),
            ("swap_total_bytes", Int()), ("swap_used_bytes", Int()), ("swap_free_bytes", Int()), ("swap_percent", Num()),
            ("mxcp_process_rss_bytes", Int()), ("mxcp_process_vms_bytes", Int())),
        ["SystemDisk"] = Object(("total_bytes", Int()), ("used_bytes", Int()), ("free_bytes", Int()), ("percent", Num()),
            ("read_bytes", Int()), ("write_bytes", Int()), ("read_count", Int()), ("write_count", Int())),
        ["SystemNetwork"] = Object(("bytes_sent", Int()), ("bytes_recv", Int()), ("packets_sent", Int()), ("packets_recv", Int()),
            ("errin", Int()), ("errout", Int()), ("dropin", Int()), ("dropout", Int())),
        ["SystemProcess"] = Object(("pid", Int()), ("status", Str()), ("cpu_percent", Num()), ("memory_rss_bytes", Int()), ("memory_vms_bytes", Int()),
            ("num_threads", Int()), ("num_fds", Int())),
        ["AuditRecord"] = Object(("record_id", Str()), ("timestamp", Str(format: "date-time")), ("schema_name", Str()), ("schema_version", Int()),
            ("operation_type", Str()), ("operation_name", Str()), ("operation_status", Str()), ("duration_ms", Int()), ("caller_type", Str()),
            ("user_id", Str(true)), ("session_id", Str(true)), ("trace_id", Str(true)), ("input_data", new JsonObject { ["type"] = "object", ["nullable"] = true }),
            ("output_data", new JsonObject { ["nullable"] = true }), ("error", Str(true)), ("policies_evaluated", new JsonObject { ["type"] = "array", ["nullable"] = true, ["items"] = Str() }),
            ("policy_decision", Str(true)), ("policy_reason", Str(true)), ("business_context", new JsonObject { ["type"] = "object", ["nullable"] = true }),
            ("execution_events", new JsonObject { ["type"] = "array", ["nullable"] = true, ["items"] = new JsonObject { ["type"] = "object" } })),
        ["AuditQueryResult"] = Object(("records", new JsonObject { ["type"] = "array", ["items"] = Ref("AuditRecord") }), ("count", Int())),
        ["AuditStats"] = Object(("total_records", Int()), ("by_type", Counts()), ("by_status", Counts()), ("by_policy", Counts()),
            ("earliest_timestamp", Str(true, "date-time")), ("latest_timestamp", Str(true, "date-time"))),
    };
}
