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
using Mxcp.Admin.Routes;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts the admin API on an ASP.NET Core app.</summary>
public static partial class MxcpAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Mounts the admin API under <paramref name="prefix"/>. It is protected by <see cref="MxcpAdminOptions.Token"/> when
    /// set, otherwise by the host's authorization when <see cref="MxcpAdminOptions.UseHostAuthorization"/> is set;
    /// without either, it answers only requests that arrive on a loopback address, unless
    /// <see cref="MxcpAdminOptions.AllowUnauthenticatedRemoteAccess"/> opens it explicitly.
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
        MapInto(group, api, options, prefix.TrimEnd('/'), guard);
        if (guard is not null)
        {
            group.AddEndpointFilter(async (context, next) => await guard(context.HttpContext).ConfigureAwait(false) ? await next(context).ConfigureAwait(false) : Results.Empty);
        }

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

    /// <summary>Maps the routes, OpenAPI and documentation pages into a group (shared by the HTTP mount and the Unix socket).</summary>
    internal static void MapInto(IEndpointRouteBuilder group, AdminApi api, MxcpAdminOptions options, string pathPrefix, Func<HttpContext, Task<bool>>? guard)
    {
        AdminRoutes.Map(group, api, options);
        AuditRoutes.Map(group, api);
        group.MapGet("/openapi.json", (HttpContext context) => Results.Json(AdminOpenApi.Build(ServerUrl(context, pathPrefix))));

        var docs = group.CreateApplicationBuilder();
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
        docs.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
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

    private static async Task<bool> BearerTokenMatchesAsync(HttpContext context, string token)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : "";
        if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token)))
        {
            return true;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"mxcp-admin\"";
        await AdminErrors.Result(StatusCodes.Status401Unauthorized, "unauthorized", "A valid admin token is required (Authorization: Bearer <token>)").ExecuteAsync(context).ConfigureAwait(false);
        return false;
    }

    private static async Task<bool> LoopbackOnlyAsync(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } remote || IPAddress.IsLoopback(remote))
        {
            return true;
        }

        await AdminErrors.Result(StatusCodes.Status403Forbidden, "forbidden",
            "The admin API has no token or authorization configured, so it answers loopback clients only").ExecuteAsync(context).ConfigureAwait(false);
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
