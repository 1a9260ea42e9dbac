using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Admin;
using Mxcp.Admin.Tcp;
using Mxcp.AspNetCore;
using Mxcp.Authentication.Hosting;
using Mxcp.Cli.Logging;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Hosting;
using Mxcp.Runtime.Reload;
using Mxcp.Runtime.Telemetry;

namespace Mxcp.Cli.Commands;

/// <summary><c>mxcp serve</c>: serve the project to MCP clients over Streamable HTTP (default), legacy SSE or stdio.</summary>
internal static partial class ServeCommand
{
    public static Command Create()
    {
        var transport = new Option<string?>("--transport") { Description = "streamable-http (or http), sse or stdio (default: transport.provider of the user config, then streamable-http)" };
        transport.AcceptOnlyFromAmong("stdio", "streamable-http", "http", "sse");
        var host = new Option<string?>("--host") { Description = "Address to bind (default: transport.http.host, then localhost)" };
        var port = new Option<int?>("--port") { Description = "Port to listen on; 0 picks a free one (default: transport.http.port, then 8000)" };
        var stateless = new Option<bool>("--stateless") { Description = "Stateless Streamable HTTP: no sessions (also transport.http.stateless)" };
        var allowedHosts = new Option<string[]>("--allowed-hosts")
        {
            Description = "Host names accepted in the Host and Origin headers, comma-separated, e.g. mcp.example.com,localhost behind a reverse proxy; * for any (also transport.http.allowed_hosts; default: loopback names when bound to loopback)",
            AllowMultipleArgumentsPerToken = true,
        };
        var resumable = new Option<bool>("--resumable") { Description = "Let Streamable HTTP clients resume interrupted streams with Last-Event-ID (events kept in memory)" };
        var sqlTools = new Option<string?>("--sql-tools") { Description = "Serve the built-in SQL tools: true or false (default: sql_tools.enabled)" };
        sqlTools.AcceptOnlyFromAmong("true", "false");
        var ignoreErrors = new Option<bool>("--ignore-errors") { Description = "Serve the valid endpoints even if some endpoint files have errors" };
        var watch = new Option<bool>("--watch") { Description = "Reload when project files change (also MXCP_WATCH=1)" };
        var adminPort = new Option<int?>("--admin-port") { Description = "Also serve the admin API and the operator console (/ui/) on this TCP port; 0 picks a free one. Token: MXCP_ADMIN_TOKEN (without it, loopback clients only)" };
        var adminHost = new Option<string>("--admin-host") { Description = "Address the admin port binds (default 127.0.0.1)", DefaultValueFactory = _ => "127.0.0.1" };
        var searchTool = new Option<bool>("--search-tool") { Description = "Add the MCP tool search_tools, which finds this server's tools for a task (for clients with hundreds of tools)" };
        var shutdownTimeout = new Option<int?>("--shutdown-timeout") { Description = "Seconds that calls in flight get to finish on SIGTERM/SIGINT (default 30)" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve Prometheus metrics at GET /metrics on this port of --host; 0 picks a free one (also telemetry.metrics.prometheus_port)" };
        metricsPort.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 0 or > 65535)
            {
                r.AddError("--metrics-port must be from 0 to 65535");
            }
        });
        var logLevel = new Option<string?>("--log-level") { Description = "DEBUG, INFO, WARNING, ERROR or CRITICAL (default: MXCP_LOG_LEVEL, then logging.level of the user config, then WARNING)" };
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var readOnly = CommonOptions.ReadOnly();
        var command = new Command("serve", "Serve the project over MCP")
        {
            transport, host, port, stateless, allowedHosts, resumable, sqlTools, ignoreErrors, watch, adminPort, adminHost, searchTool, shutdownTimeout, metricsPort, logLevel, profile, json, debug, readOnly,
        };

        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            var options = new MxcpOptions
            {
                Profile = parse.GetValue(profile),
                Debug = parse.GetValue(debug) ? true : null,
                ReadOnly = parse.GetValue(readOnly) ? true : null,
                SqlTools = parse.GetValue(sqlTools) is { } s ? s == "true" : null,
                IgnoreErrors = parse.GetValue(ignoreErrors),
                Watch = parse.GetValue(watch) ? true : null,
                ReloadOnSighup = true,
            };
            SignalLifetime.AcceptSighup();
            var config = await new ProjectConfigurationLoader([]).LoadTopLevelAsync(options, ct).ConfigureAwait(false);
            var requested = parse.GetValue(transport) ?? config.User.Transport.Provider;
            var settings = new ServeSettings(
                requested == "http" ? "streamable-http" : requested, // "http" is how the operations guide writes it
                parse.GetValue(host) ?? config.User.Transport.Http.Host,
                parse.GetValue(port) ?? config.User.Transport.Http.Port,
                parse.GetValue(stateless) || config.User.Transport.Http.Stateless,
                AllowedHosts(parse.GetValue(allowedHosts)) ?? config.User.Transport.Http.AllowedHosts,
                parse.GetValue(resumable),
                TimeSpan.FromSeconds(parse.GetValue(shutdownTimeout) ?? 30),
                options.Debug ?? config.Debug,
                AdminTcpSettingsFor(parse.GetValue(adminPort), parse.GetValue(adminHost)),
                parse.GetValue(searchTool),
                parse.GetValue(metricsPort),
                LogSettings.Resolve(parse.GetValue(logLevel), parse.GetValue(debug), config.User.Logging, config.ProjectRoot, Environment.GetEnvironmentVariable),
                config.UserFile,
                config.AuthDeclared);
            return settings.Transport == "stdio"
                ? await ServeStdioAsync(options, settings, parse.GetValue(json), ct).ConfigureAwait(false)
                : await ServeHttpAsync(options, settings, parse.GetValue(json), ct).ConfigureAwait(false);
        }));
        return command;
    }

    private static async Task<int> ServeStdioAsync(MxcpOptions options, ServeSettings settings, bool json, CancellationToken ct)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        CliLogging.Configure(builder.Logging, settings.Logging, settings.UserConfigFile);
        builder.Services.AddSingleton<IHostLifetime, SignalLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        builder.Services.AddMxcpCore(o => CliServices.Copy(options, o)).AddPluginsFromFolder().AddTelemetry(settings).AddStdioServer().AddAdminSocketWhenEnabled(settings);
        using var host = builder.Build();
        if (!await StartAsync(host, json, ct).ConfigureAwait(false))
        {
            return 1;
        }

        if (host.Services.GetService<AdminTcpHostedService>()?.Address is { } admin)
        {
            // stdout carries the protocol.
            Console.Error.WriteLine($"Admin API on {admin}/ (operator console at {admin}/ui/)");
        }

        LogAdminState(host.Services);

        await host.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        return Environment.ExitCode;
    }

    private static async Task<int> ServeHttpAsync(MxcpOptions options, ServeSettings settings, bool json, CancellationToken ct)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "mxcp", ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // Plain HTTP/1.1: without TLS, Kestrel cannot negotiate HTTP/2 on a shared port anyway (it only warned
            // about it at every start); TLS and HTTP/2 belong to the reverse proxy in front.
            if (ListenAddresses.IsLocalhost(settings.Host) && settings.Port != 0)
            {
                // Both 127.0.0.1 and ::1, whichever the client resolves localhost to.
                kestrel.ListenLocalhost(settings.Port, listen => listen.Protocols = HttpProtocols.Http1);
                return;
            }

            foreach (var address in BindAddresses(settings.Host))
            {
                kestrel.Listen(address, settings.Port, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });
        builder.Services.AddRoutingCore();
        CliLogging.Configure(builder.Logging, settings.Logging, settings.UserConfigFile);
        builder.Services.AddSingleton<IHostLifetime, SignalLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        var mxcp = builder.Services.AddMxcp(o => CliServices.Copy(options, o)).AddPluginsFromFolder().AddTelemetry(settings).AddAdminSocketWhenEnabled(settings);
        if (settings.AuthDeclared)
        {
            // Without auth the server has no authentication stack at all: ASP.NET Core's authentication and authorization
            // middleware then stay out of every request (about 9 % of the CPU of a `select 1` call). A reload that adds
            // auth later is refused request by request until a restart (McpRequestGuard), never served unprotected.
            mxcp.AddProfileAuthentication();
        }

        var sse = settings.Transport == "sse";
        builder.Services.Configure<MxcpHttpOptions>(o =>
        {
            o.SessionMode = settings.Stateless && !sse ? MxcpSessionMode.Stateless : MxcpSessionMode.Hybrid;
            o.LegacySseOnly = sse;
            o.AllowedHosts = settings.AllowedHosts is { } hosts ? [.. hosts] : null;
            o.EnableResumability = settings.Resumable;
        });

        await using var app = builder.Build();
        app.MapMxcp(sse ? "/" : "/mcp");
        app.MapMxcpHealth();

        try
        {
            if (!await StartAsync(app, json, ct).ConfigureAwait(false))
            {
                return 1;
            }
        }
        catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliUsageException($"Cannot listen on {settings.Host}:{settings.Port}: {e.Message}");
        }

        // What loading the project left behind (parsed YAML, intermediate schemas, validation) is garbage now: one
        // compacting collection that also gives the freed memory back to the system, once, before the banner. Idle RSS
        // with 1,000 endpoints went from 171 MB to 153 MB, with 10 endpoints from 155 MB to 150-152 MB.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        WriteBanner(app.Services, settings, addresses, sse, app.Services.GetRequiredService<TelemetryStatus>());
        if (app.Services.GetService<AdminTcpHostedService>()?.Address is { } admin)
        {
            Console.WriteLine($"Admin API on {admin}/ (operator console at {admin}/ui/)");
            Console.Out.Flush();
        }
        LogAdminState(app.Services);
        await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        return Environment.ExitCode;
    }

    /// <summary>Starts the host; prints the endpoint errors that refuse start-up (JSON with --json-output).</summary>
    private static async Task<bool> StartAsync(IHost host, bool json, CancellationToken ct)
    {
        try
        {
            await host.StartAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (EndpointErrorsException e) when (json)
        {
            JsonOutput.Write(new JsonObject
            {
                ["status"] = "error",
                ["message"] = $"Found {e.Problems.Count} endpoint(s) with errors",
                ["failed_endpoints"] = new JsonArray(e.Problems.Select(p => (JsonNode)new JsonObject { ["path"] = p.Path, ["error"] = p.Message }).ToArray()),
            });
            return false;
        }
    }

    private static IEnumerable<IPAddress> BindAddresses(string host)
    {
        try
        {
            return ListenAddresses.Resolve(host);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
    }

    private static void WriteBanner(IServiceProvider services, ServeSettings settings, ICollection<string> addresses, bool sse, TelemetryStatus telemetry)
    {
        var snapshot = services.GetRequiredService<ProjectSnapshotProvider>().Current!;
        var config = snapshot.Config;
        int Count(Abstractions.EndpointKind kind) => snapshot.Endpoints.Count(e => e.Definition.Kind == kind);
        var tools = Count(Abstractions.EndpointKind.Tool);
        Console.WriteLine($"Mxcp {MxcpVersion} serving project '{config.ProjectName}' (profile '{config.Profile}')");
        Console.WriteLine($"  transport:  {settings.Transport}{(sse ? "" : settings.Stateless ? " (stateless)" : " (sessions for initialize clients)")}");
        Console.WriteLine($"  database:   {(config.ReadOnly ? "read-only" : "read-write")}");
        Console.WriteLine($"  sql tools:  {(config.SqlToolsEnabled ? "on" : "off")}");
        Console.WriteLine($"  auth:       {ServeAuthentication.Describe(services)}");
        Console.WriteLine($"  endpoints:  {tools} tools, {Count(Abstractions.EndpointKind.Resource)} resources, {Count(Abstractions.EndpointKind.Prompt)} prompts, {snapshot.Problems.Count} skipped");
        var exported = telemetry.ToJson();
        if (telemetry.Enabled)
        {
            var tracing = exported["tracing"]!;
            var metrics = exported["metrics"]!;
            var parts = new List<string>();
            if (tracing["endpoint"] is { } traces)
            {
                parts.Add($"traces to {traces}");
            }

            if ((bool)tracing["console_export"]!)
            {
                parts.Add("spans to the log");
            }

            if (metrics["endpoint"] is { } metricsEndpoint)
            {
                parts.Add($"metrics to {metricsEndpoint}");
            }

            Console.WriteLine($"  telemetry:  {(parts.Count == 0 ? "no OTLP export" : string.Join(", ", parts))}");
            if (metrics["prometheus"] is { } prometheus)
            {
                Console.WriteLine($"Metrics on {prometheus}");
            }
        }

        foreach (var address in addresses)
        {
            Console.WriteLine($"Listening on {address}{(sse ? "/sse" : "/mcp")}");
        }

        Console.Out.Flush();
    }

    private static string MxcpVersion => typeof(ServeCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// OTLP export and the span log as the profile's <c>telemetry</c> block and the environment say, and the Prometheus
    /// listener of <c>--metrics-port</c> or <c>telemetry.metrics.prometheus_port</c> on the <c>--host</c> address.
    /// </summary>
    private static IMxcpBuilder AddTelemetry(this IMxcpBuilder builder, ServeSettings settings) => builder.AddOpenTelemetry(o =>
    {
        o.PrometheusPort = settings.MetricsPort;
        o.PrometheusHost = settings.Transport == "stdio" ? "localhost" : settings.Host;
    });

    private static void LogAdminState(IServiceProvider services)
    {
        if (!ProjectConfigurationLoader.IsTrue(Environment.GetEnvironmentVariable("MXCP_ADMIN_ENABLED")))
        {
            LogAdminDisabled(services.GetRequiredService<ILoggerFactory>().CreateLogger("Mxcp.Cli.Serve"));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin socket disabled (set MXCP_ADMIN_ENABLED=1 to serve the admin API on MXCP_ADMIN_SOCKET)")]
    private static partial void LogAdminDisabled(ILogger logger);

    /// <summary>
    /// <c>MXCP_ADMIN_ENABLED=1</c> opens the admin socket at <c>MXCP_ADMIN_SOCKET</c> (default <c>/run/mxcp/mxcp.sock</c>);
    /// <c>--admin-port</c> mounts the admin API with <c>MapMxcpAdmin</c> on a TCP port of its own.
    /// </summary>
    private static IMxcpBuilder AddAdminSocketWhenEnabled(this IMxcpBuilder builder, ServeSettings settings)
    {
        void Configure(MxcpAdminOptions o)
        {
            o.Transport = settings.Transport;
            o.Debug = settings.Debug;
        }

        if (ProjectConfigurationLoader.IsTrue(Environment.GetEnvironmentVariable("MXCP_ADMIN_ENABLED")))
        {
            builder.AddAdminSocket(Configure);
        }

        if (settings.AdminTcp is { } tcp)
        {
            builder.AddAdminTcp(tcp, Configure);
        }

        if (settings.SearchTool)
        {
            builder.AddEndpointSearchTool();
        }

        return builder;
    }

    /// <summary>The admin TCP mount of <c>--admin-port</c>: the token is <c>MXCP_ADMIN_TOKEN</c>, resolved when the API is mounted.</summary>
    private static AdminTcpSettings? AdminTcpSettingsFor(int? port, string? host)
    {
        if (port is null)
        {
            return null;
        }

        if (port is < 0 or > 65535)
        {
            throw new CliUsageException($"--admin-port must be 0 to 65535 (was {port})");
        }

        var address = host is null or "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip
            : throw new CliUsageException($"--admin-host must be an IP address (was '{host}')");
        var token = Environment.GetEnvironmentVariable("MXCP_ADMIN_TOKEN") is { Length: > 0 } ? "${MXCP_ADMIN_TOKEN}" : null;
        return new AdminTcpSettings(address, port.Value, token);
    }

    /// <summary>The <c>--allowed-hosts</c> values, split at commas; <see langword="null"/> when the flag is absent.</summary>
    private static IReadOnlyList<string>? AllowedHosts(string[]? values) =>
        values is { Length: > 0 } ? [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))] : null;

    private sealed record ServeSettings(
        string Transport, string Host, int Port, bool Stateless, IReadOnlyList<string>? AllowedHosts, bool Resumable, TimeSpan ShutdownTimeout, bool Debug, AdminTcpSettings? AdminTcp, bool SearchTool,
        int? MetricsPort, LogSettings Logging, string? UserConfigFile, bool AuthDeclared);
}

