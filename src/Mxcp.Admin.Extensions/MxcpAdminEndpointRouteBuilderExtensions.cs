using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Admin;
using Mxcp.Admin.Docs;
using Mxcp.Admin.Console;
using Mxcp.Admin.Routes;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts the admin API on an ASP.NET Core app.</summary>
public static partial class MxcpAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Mounts the admin API under <paramref name="prefix"/>. It is protected by <see cref="MxcpAdminOptions.Token"/> when
    /// set (sent as <c>Authorization: Bearer</c> or <c>X-API-Key</c>), otherwise by the host's authorization when
    /// <see cref="MxcpAdminOptions.UseHostAuthorization"/> is set; without either, it answers only requests that arrive
    /// on a loopback address from a loopback client, unless <see cref="MxcpAdminOptions.AllowUnauthenticatedRemoteAccess"/>
    /// opens it explicitly.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="prefix">The route prefix; <c>/admin</c> by default.</param>
    /// <param name="configure">Sets the token and other options of this mount, on top of those of <c>AddAdmin()</c>.</param>
    /// <returns>A builder for conventions on every admin route.</returns>
    /// <exception cref="InvalidOperationException"><c>AddMxcp(...).AddAdmin()</c> was not called.</exception>
    /// <exception cref="OptionsValidationException">The options are invalid (for example the token refers to an unset environment variable).</exception>
    public static IEndpointConventionBuilder MapMxcpAdmin(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string prefix = "/admin", Action<MxcpAdminOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var api = services.GetService<AdminApi>() ?? throw new InvalidOperationException(
            "MapMxcpAdmin() needs the admin services: call builder.Services.AddMxcp(...).AddAdmin() (or .AddAdminSocket()) before building the app.");

        // This mount's options: everything configured for the admin API, then this call's own settings, checked now.
        var options = services.GetRequiredService<IOptionsFactory<MxcpAdminOptions>>().Create(Options.DefaultName);
        configure?.Invoke(options);
        var failures = services.GetServices<IValidateOptions<MxcpAdminOptions>>()
            .Select(v => v.Validate(Options.DefaultName, options))
            .Where(r => r.Failed)
            .SelectMany(r => r.Failures ?? [])
            .ToList();
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(MxcpAdminOptions), failures);
        }

        var token = ResolveReference(options.Token);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Mxcp.Admin");

        Func<HttpContext, Task<bool>>? guard = null;
        if (token is not null)
        {
            guard = context => BearerTokenMatchesAsync(context, token);
        }
        else if (!options.UseHostAuthorization && !options.AllowUnauthenticatedRemoteAccess)
        {
            LogLoopbackOnly(logger, prefix);
            guard = LoopbackOnlyAsync;
        }

        var group = endpoints.MapGroup(prefix);
        MapInto(group, api, options, prefix.TrimEnd('/'), guard, token);

        if (token is null && options.UseHostAuthorization)
        {
            if (options.AuthorizationPolicy is { } policy)
            {
                group.RequireAuthorization(policy);
            }
            else
            {
                group.RequireAuthorization();
            }
        }

        return group;
    }

    /// <summary>Maps the routes, OpenAPI, documentation pages and the console into a group (shared by the HTTP mounts and the Unix socket).</summary>
    /// <param name="endpoints">The app or route group to map into.</param>
    /// <param name="api">The shared admin services.</param>
    /// <param name="options">This mount's options.</param>
    /// <param name="pathPrefix">The mount's prefix (empty on the socket), for links.</param>
    /// <param name="guard">Lets a request through, or answers it (401, 403) and returns <see langword="false"/>; <see langword="null"/> lets everything through.</param>
    /// <param name="consoleToken">The admin token the console's login form accepts; <see langword="null"/> when the mount has none.</param>
    internal static void MapInto(IEndpointRouteBuilder endpoints, AdminApi api, MxcpAdminOptions options, string pathPrefix, Func<HttpContext, Task<bool>>? guard, string? consoleToken)
    {
        var mount = new AdminMount(pathPrefix);
        var group = endpoints.MapGroup("").WithMetadata(mount);
        if (guard is not null)
        {
            group.AddEndpointFilter(async (context, next) => await guard(context.HttpContext).ConfigureAwait(false) ? await next(context).ConfigureAwait(false) : Results.Empty);
        }

        AdminRoutes.Map(group, api, options);
        AuditRoutes.Map(group, api);
        group.MapPut("/config", (Delegate)((HttpContext context) => api.Deployment.PutAsync(context, api)));
        group.MapGet("/diagnostics", async (CancellationToken ct) => Results.Json((await api.DiagnoseAsync(ct).ConfigureAwait(false)).ToJson()));
        ContributedRoutes.Map(group, api);
        group.MapGet("/openapi.json", (HttpContext context) => Results.Json(AdminOpenApi.Build(ServerUrl(context, pathPrefix), ContributedRoutes.Contributors(api))));
        AdminFallback.Map(group, mount);

        // The console guards itself: its login page and assets are open, and a browser without credentials is sent to
        // the login page rather than shown a JSON 401.
        ConsoleRoutes.Map(endpoints.MapGroup("/ui").WithMetadata(mount), api, options, pathPrefix, guard, consoleToken);

        var docs = endpoints.CreateApplicationBuilder();
        docs.UseSwaggerUI(o =>
        {
            o.RoutePrefix = (pathPrefix + "/docs").TrimStart('/');
            o.SwaggerEndpoint(pathPrefix + "/openapi.json", "Mxcp admin API");
            o.DocumentTitle = "Mxcp admin API";
        });
        docs.UseReDoc(o =>
        {
            o.RoutePrefix = (pathPrefix + "/redoc").TrimStart('/');
            o.SpecUrl = pathPrefix + "/openapi.json";
            o.DocumentTitle = "Mxcp admin API";
        });
        docs.Run(context => AdminErrors.NotFound($"No documentation page {context.Request.Path}; see {pathPrefix}/docs/index.html").ExecuteAsync(context));
        var pages = docs.Build();
        RequestDelegate guarded = guard is null ? pages : async context =>
        {
            if (await guard(context).ConfigureAwait(false))
            {
                await pages(context).ConfigureAwait(false);
            }
        };
        foreach (var pattern in (string[])["/docs", "/docs/{**rest}", "/redoc", "/redoc/{**rest}"])
        {
            group.Map(pattern, guarded);
        }
    }

    private static string ServerUrl(HttpContext context, string pathPrefix) =>
        context.Request.Host.HasValue ? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{pathPrefix}" : pathPrefix.Length == 0 ? "/" : pathPrefix;

    /// <summary>The admin token in <c>Authorization: Bearer</c> or <c>X-API-Key</c> (as MCPProxy accepts it).</summary>
    private static async Task<bool> BearerTokenMatchesAsync(HttpContext context, string token)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : context.Request.Headers["X-API-Key"].ToString().Trim();
        if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token)))
        {
            return true;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"mxcp-admin\"";
        await AdminErrors.Result(StatusCodes.Status401Unauthorized, "unauthorized", "A valid admin token is required (Authorization: Bearer <token> or X-API-Key: <token>)").ExecuteAsync(context).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Without a token or authorization, the admin routes exist only on loopback addresses: a request that arrived on
    /// another address of the machine, or from another machine, is refused.
    /// </summary>
    private static async Task<bool> LoopbackOnlyAsync(HttpContext context)
    {
        var local = context.Connection.LocalIpAddress;
        var remote = context.Connection.RemoteIpAddress;
        if ((local is null || IPAddress.IsLoopback(local)) && (remote is null || IPAddress.IsLoopback(remote)))
        {
            return true;
        }

        await AdminErrors.Result(StatusCodes.Status403Forbidden, "forbidden",
            "The admin API has no token or authorization configured, so it is not exposed on non-loopback addresses: set MxcpAdminOptions.Token (for example ${MXCP_ADMIN_TOKEN})").ExecuteAsync(context).ConfigureAwait(false);
        return false;
    }

    private static string? ResolveReference(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (MxcpAdminOptionsValidator.EnvironmentReference().Match(value) is { Success: true } m)
        {
            var name = m.Groups[1].Value;
            return Environment.GetEnvironmentVariable(name) is { Length: > 0 } resolved
                ? resolved
                : throw new InvalidOperationException($"The admin token refers to the environment variable {name}, which is not set.");
        }

        return value;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The admin API at {Prefix} has no token or authorization configured: it answers loopback clients only")]
    private static partial void LogLoopbackOnly(ILogger logger, string prefix);
}
