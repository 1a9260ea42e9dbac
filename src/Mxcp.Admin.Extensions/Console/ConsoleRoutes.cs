using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mxcp.Admin.Routes;
using Mxcp.Runtime.Hosting;

namespace Mxcp.Admin.Console;

/// <summary>
/// The operator console at <c>/ui/</c> of every admin mount: server-rendered HTML pages (readable without JavaScript)
/// with forms for every action, a small script for the live parts, and its own CSS, all embedded in this assembly and
/// served from here (no external origin; the Content-Security-Policy forbids any). It sits behind the mount's
/// authorization: on a mount with a token, a browser signs in once with the token (see <see cref="ConsoleAuth"/>).
/// Forms that change something must come from the console's own origin.
/// </summary>
internal static class ConsoleRoutes
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static void Map(RouteGroupBuilder ui, AdminApi api, MxcpAdminOptions options, string pathPrefix, Func<HttpContext, Task<bool>>? guard, string? token)
    {
        ui.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            SetSecurityHeaders(http);
            if (http.GetEndpoint()?.Metadata.GetMetadata<OpenPage>() is not null)
            {
                return await next(context).ConfigureAwait(false);
            }

            if (!(token is not null && ConsoleAuth.IsSignedIn(http, token)) && guard is not null)
            {
                var refusal = await RunGuardAsync(http, guard).ConfigureAwait(false);
                if (refusal is not null)
                {
                    return refusal;
                }
            }

            return SameOrigin(http)
                ? await next(context).ConfigureAwait(false)
                : Page(http, pathPrefix, api, "Refused", "<p role=\"alert\">This form was sent from another site. Use the console's own pages.</p>", StatusCodes.Status403Forbidden);
        });

        var pages = new ConsolePages(api, options, pathPrefix, token is not null);
        ui.MapGet("/", async (HttpContext http, CancellationToken _) => Page(http, pathPrefix, api, "Overview", await pages.OverviewAsync(http).ConfigureAwait(false), refresh: true));
        ui.MapPost("/reload", (HttpContext http) =>
        {
            _ = api.Snapshots.ReloadAsync("console reload", null, CancellationToken.None);
            return Results.Redirect(Base(http, pathPrefix) + "/ui/?" + Html.Query(("notice", "Reload requested; the reload state below shows how it went.")), preserveMethod: false);
        });
        ui.MapGet("/endpoints", (HttpContext http) =>
        {
            var (html, status) = pages.Endpoints(http);
            return Page(http, pathPrefix, api, "Endpoints", html, status, refresh: status == 200);
        });
        ui.MapGet("/endpoints/{type}/{**name}", (HttpContext http, string type, string name) =>
            pages.EndpointDetail(http, type, Uri.UnescapeDataString(name)) is { } html
                ? Page(http, pathPrefix, api, "Endpoint " + Uri.UnescapeDataString(name), html, refresh: true)
                : NotFound(http, pathPrefix, api, $"There is no {type} '{Uri.UnescapeDataString(name)}'."));
        ui.MapPost("/endpoints/{type}/{**name}", async (HttpContext http, string type, string name) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            var action = form["action"].ToString();
            var id = Uri.UnescapeDataString(name);
            var key = $"{type}/{id}";
            var known = api.Snapshots.Current?.Files.Any(f => f.Definition?.Key == key) == true || api.Snapshots.Current?.Endpoints.Any(e => e.Key == key) == true;
            if (action is not ("disable" or "enable") || !known)
            {
                return NotFound(http, pathPrefix, api, $"There is no {type} '{id}' to {action}.");
            }

            api.Availability.Set(key, action == "disable");
            var back = form["return"].ToString() == "detail" ? $"/ui/endpoints/{Html.Segment(type)}/{Html.Segment(id)}" : "/ui/endpoints";
            return Results.Redirect(Base(http, pathPrefix) + back + "?" + Html.Query(("notice", $"{key} {(action == "disable" ? "disabled: clients no longer see it and its calls are refused" : "enabled")}.")));
        });
        ui.MapGet("/sessions", (HttpContext http) => Page(http, pathPrefix, api, "Sessions", pages.Sessions(), refresh: true));
        ui.MapGet("/sessions/{id}", (HttpContext http, string id) => pages.SessionDetail(id) is { } html
            ? Page(http, pathPrefix, api, "Session " + id, html)
            : NotFound(http, pathPrefix, api, $"There is no live session '{id}'; it may have ended."));
        ui.MapPost("/sessions/{id}/terminate", async (HttpContext http, string id) =>
        {
            if (!api.Sessions.TryGet(id, out _))
            {
                return NotFound(http, pathPrefix, api, $"There is no live session '{id}'; it may have ended already.");
            }

            var ended = await api.Sessions.TerminateAsync(id, http.RequestAborted).ConfigureAwait(false);
            return Results.Redirect(Base(http, pathPrefix) + "/ui/sessions?" + Html.Query(("notice", ended ? $"Session {id} ended." : $"Session {id} could not be ended; see the server log.")));
        });
        ui.MapGet("/audit", async (HttpContext http) =>
        {
            var (html, status) = await pages.AuditAsync(http).ConfigureAwait(false);
            return Page(http, pathPrefix, api, "Audit log", html, status);
        });
        ui.MapGet("/audit/export", (Delegate)((HttpContext http) => AuditRoutes.ExportAsync(http, api)));
        ui.MapGet("/audit/{id}", async (HttpContext http, string id) =>
            await pages.AuditRecordAsync(http, id).ConfigureAwait(false) is { } html
                ? Page(http, pathPrefix, api, "Audit record", html)
                : NotFound(http, pathPrefix, api, $"There is no audit record '{id}'."));
        ui.MapGet("/events", (HttpContext http) => Page(http, pathPrefix, api, "Live events", pages.Events(http)));
        ui.MapGet("/events/stream", (Delegate)((HttpContext http) => AdminRoutes.StreamEventsAsync(http, api)));
        ui.MapGet("/config", (HttpContext http) => Page(http, pathPrefix, api, "Configuration", pages.Config(http)));
        ui.MapPost("/config/validate", async (HttpContext http) =>
        {
            var (html, status) = await pages.ValidateAsync(http).ConfigureAwait(false);
            return Page(http, pathPrefix, api, "Validation", html, status);
        });
        ui.MapGet("/diagnostics", async (HttpContext http, CancellationToken _) => Page(http, pathPrefix, api, "Diagnostics", await pages.DiagnosticsAsync(http).ConfigureAwait(false)));

        ui.MapGet("/login", (HttpContext http) => Page(http, pathPrefix, api, "Sign in", pages.Login(http, error: null, http.Request.Query["next"].ToString()), nav: false)).WithMetadata(new OpenPage());
        ui.MapPost("/login", async (HttpContext http) =>
        {
            if (!SameOrigin(http))
            {
                return Page(http, pathPrefix, api, "Sign in", "<p role=\"alert\">This form was sent from another site.</p>", StatusCodes.Status403Forbidden, nav: false);
            }

            var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            if (token is null)
            {
                return Results.Redirect(Base(http, pathPrefix) + "/ui/");
            }

            if (!ConsoleAuth.TokenMatches(form["token"].ToString(), token))
            {
                return Page(http, pathPrefix, api, "Sign in", pages.Login(http, "That is not the admin token.", form["next"].ToString()), StatusCodes.Status401Unauthorized, nav: false);
            }

            ConsoleAuth.SignIn(http, token, CookiePath(http, pathPrefix));
            var next = form["next"].ToString();
            return Results.Redirect(IsConsolePath(http, pathPrefix, next) ? next : Base(http, pathPrefix) + "/ui/");
        }).WithMetadata(new OpenPage());
        ui.MapPost("/logout", (HttpContext http) =>
        {
            ConsoleAuth.SignOut(http, CookiePath(http, pathPrefix));
            return Results.Redirect(Base(http, pathPrefix) + "/ui/login");
        }).WithMetadata(new OpenPage());
        ui.MapGet("/assets/{name}", (HttpContext http, string name) => ConsoleAssets.Serve(http, name)).WithMetadata(new OpenPage());
        ui.Map("/{**rest}", (HttpContext http) => NotFound(http, pathPrefix, api, $"There is no console page {http.Request.Path}."));
    }

    /// <summary>The mount's base path as the browser sees it (<c>PathBase</c> plus the prefix).</summary>
    public static string Base(HttpContext http, string pathPrefix) => http.Request.PathBase + pathPrefix;

    private static string CookiePath(HttpContext http, string pathPrefix) => Base(http, pathPrefix) + "/ui";

    private static bool IsConsolePath(HttpContext http, string pathPrefix, string next) =>
        next.StartsWith(CookiePath(http, pathPrefix) + "/", StringComparison.Ordinal) && !next.StartsWith("//", StringComparison.Ordinal) && !next.Contains('\\', StringComparison.Ordinal);

    /// <summary>
    /// Runs the mount's guard with the response held back: <see langword="null"/> when it lets the request through;
    /// otherwise a redirect to the login page (401 on a mount with a token) or the guard's refusal as a page.
    /// </summary>
    private static async Task<IResult?> RunGuardAsync(HttpContext http, Func<HttpContext, Task<bool>> guard)
    {
        var original = http.Response.Body;
        using var held = new MemoryStream();
        http.Response.Body = held;
        bool allowed;
        try
        {
            allowed = await guard(http).ConfigureAwait(false);
        }
        finally
        {
            http.Response.Body = original;
        }

        if (allowed)
        {
            return null;
        }

        var status = http.Response.StatusCode;
        var body = Encoding.UTF8.GetString(held.ToArray());
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.Headers.Remove("WWW-Authenticate");
        http.Response.ContentType = null;
        if (status == StatusCodes.Status401Unauthorized && HttpMethods.IsGet(http.Request.Method))
        {
            var login = http.Request.PathBase + LoginPath(http.Request.Path);
            return Results.Redirect(login + "?" + Html.Query(("next", http.Request.PathBase + http.Request.Path + http.Request.QueryString)));
        }

        string message;
        try
        {
            message = JsonNode.Parse(body)?["message"]?.GetValue<string>() ?? "Access denied.";
        }
        catch (JsonException)
        {
            message = "Access denied.";
        }

        return Results.Content(
            $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Access denied</title></head><body><main><h1>Access denied</h1><p role=\"alert\">{Html.E(message)}</p></main></body></html>",
            "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>The login page of the console a path belongs to (<c>…/ui/anything</c> → <c>…/ui/login</c>).</summary>
    private static string LoginPath(PathString path)
    {
        var value = path.Value ?? "";
        var ui = value.LastIndexOf("/ui/", StringComparison.Ordinal) is var i and >= 0 ? value[..(i + 3)] : value.TrimEnd('/');
        return ui + "/login";
    }

    /// <summary>Requests that change something must come from the console's own origin (browsers send <c>Origin</c> on form posts).</summary>
    private static bool SameOrigin(HttpContext http)
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
        {
            return true;
        }

        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return http.Request.Headers["Sec-Fetch-Site"].ToString() is "" or "same-origin" or "none";
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, http.Request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static void SetSecurityHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // "same-origin", not "no-referrer": with no-referrer browsers send "Origin: null" on form posts, which the origin check refuses.
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
    }

    private static IResult NotFound(HttpContext http, string pathPrefix, AdminApi api, string message)
    {
        if (!http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            return AdminErrors.NotFound(message);
        }

        return Page(http, pathPrefix, api, "Not found", $"<p role=\"alert\">{Html.E(message)}</p><p><a href=\"{Html.E(Base(http, pathPrefix))}/ui/\">Back to the overview</a></p>", StatusCodes.Status404NotFound);
    }

    /// <summary>A whole page: landmarks, skip link, navigation with the current page marked, a notice from the last action.</summary>
    public static IResult Page(HttpContext http, string pathPrefix, AdminApi api, string title, string content, int status = StatusCodes.Status200OK, bool nav = true, bool refresh = false)
    {
        var ui = Html.E(Base(http, pathPrefix) + "/ui");
        var path = http.Request.Path.Value ?? "";
        var snapshot = api.Snapshots.Current;
        var sb = new StringBuilder(8192);
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(Html.E(title)).Append(" · Mxcp console</title>")
            .Append("<link rel=\"stylesheet\" href=\"").Append(ui).Append("/assets/console.css\">")
            .Append("<script src=\"").Append(ui).Append("/assets/console.js\" defer></script></head><body>")
            .Append("<a class=\"skip\" href=\"#main\">Skip to content</a>")
            .Append("<header class=\"banner\"><p class=\"brand\">Mxcp console</p>");
        if (snapshot is not null)
        {
            sb.Append("<p class=\"project\">Project <strong>").Append(Html.E(snapshot.Config.ProjectName)).Append("</strong>, profile <strong>").Append(Html.E(snapshot.Config.Profile)).Append("</strong></p>");
        }

        if (nav)
        {
            sb.Append("<nav aria-label=\"Console\"><ul>");
            foreach (var (href, label) in (ReadOnlySpan<(string, string)>)[("/", "Overview"), ("/endpoints", "Endpoints"), ("/sessions", "Sessions"), ("/audit", "Audit log"), ("/events", "Live events"), ("/config", "Configuration"), ("/diagnostics", "Diagnostics")])
            {
                var current = href == "/" ? path.EndsWith("/ui/", StringComparison.Ordinal) || path.EndsWith("/ui", StringComparison.Ordinal) : path.Contains("/ui" + href, StringComparison.Ordinal);
                sb.Append("<li><a href=\"").Append(ui).Append(href).Append('"').Append(current ? " aria-current=\"page\"" : "").Append('>').Append(label).Append("</a></li>");
            }

            sb.Append("</ul></nav>");
        }

        sb.Append("</header><main id=\"main\" tabindex=\"-1\"").Append(refresh ? " data-refresh=\"5\"" : "").Append("><h1>").Append(Html.E(title)).Append("</h1>");
        if (http.Request.Query["notice"].ToString() is { Length: > 0 } notice)
        {
            sb.Append("<p class=\"notice\" role=\"status\">").Append(Html.E(notice)).Append("</p>");
        }

        sb.Append("<div data-live>").Append(content).Append("</div></main><footer><p>Mxcp ").Append(Html.E(MxcpVersion.Value))
            .Append(" · <a href=\"").Append(Html.E(Base(http, pathPrefix))).Append("/docs/index.html\">API reference</a>");
        if (nav && http.Request.Cookies.ContainsKey(ConsoleAuth.CookieName))
        {
            sb.Append(" · <form class=\"inline\" method=\"post\" action=\"").Append(ui).Append("/logout\"><button type=\"submit\" class=\"link\">Sign out</button></form>");
        }

        sb.Append("</p></footer></body></html>");
        return Results.Content(sb.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>Pages that need no sign-in (login, assets).</summary>
    private sealed class OpenPage;
}
