using System.ComponentModel;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;
using Mxcp.Plugins.DuckDb; // DuckDbDataSource, for the app's own ADO.NET code; the MCP wiring needs no Mxcp namespace

var builder = WebApplication.CreateBuilder(args);

// The app's own authentication: an API key per user (a stand-in for whatever the app already uses).
builder.Services.AddAuthentication("ApiKey").AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>("ApiKey", null);
builder.Services.AddAuthorization();

// The app's own MCP tools, served next to the project's.
builder.Services.AddMcpServer().WithTools<HostTools>();

// Mxcp: the MXCP project, with DuckDB registered directly (no plugin folder needed in an app).
builder.Services.AddMxcp(o => o.ProjectPath = builder.Configuration["Mxcp:ProjectPath"] ?? Path.Combine(builder.Environment.ContentRootPath, "..", "sales"))
    .AddDuckDb();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();

// The app's own endpoints, unrelated to MCP.
app.MapGet("/api/hello", () => Results.Json(new { message = "Hello from the host app" }));
app.MapGet("/api/me", (ClaimsPrincipal user) => Results.Json(new { name = user.Identity?.Name })).RequireAuthorization();

// The app's own code reads the project's database with ADO.NET (DuckDB.NET), on the DuckDB instance the tools use.
app.MapGet("/api/orders/count", async (DuckDbDataSource database, CancellationToken cancellationToken) =>
{
    await using var connection = await database.OpenConnectionAsync(cancellationToken);
    await using var command = connection.CreateCommand();
    command.CommandText = "SELECT count(*) FROM orders";
    return Results.Json(new { orders = (long)(await command.ExecuteScalarAsync(cancellationToken))! });
}).RequireAuthorization();

// MCP next to them, behind the same authorization; the caller becomes the `user` of policies and SQL functions.
app.MapMxcp("/mcp").RequireAuthorization();
app.MapMxcpHealth();

app.Run();

/// <summary>An MCP tool of the app itself: it answers on the same /mcp endpoint as the project's tools.</summary>
[McpServerToolType]
internal sealed class HostTools
{
    [McpServerTool(Name = "whoami"), Description("The name the app signed the caller in with")]
    public static string WhoAmI(ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";
}

/// <summary>Accepts "Authorization: Bearer &lt;name&gt;-key" and signs the caller in as &lt;name&gt;.</summary>
internal sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !header.EndsWith("-key", StringComparison.Ordinal))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var name = header["Bearer ".Length..^"-key".Length];
        var identity = new ClaimsIdentity(
            [new Claim("sub", name), new Claim(ClaimTypes.Name, name), new Claim("email", $"{name}@example.com"), new Claim("role", name == "admin" ? "admin" : "user")],
            "apikey");
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "ApiKey")));
    }
}
