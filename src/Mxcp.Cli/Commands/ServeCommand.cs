using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Reload;

namespace Mxcp.Cli.Commands;

/// <summary><c>mxcp serve</c>: serve the project to MCP clients.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var transport = new Option<string?>("--transport") { Description = "stdio, streamable-http or sse (default: transport.provider of the user config, then streamable-http)" };
        transport.AcceptOnlyFromAmong("stdio", "streamable-http", "sse");
        var sqlTools = new Option<string?>("--sql-tools") { Description = "Serve the built-in SQL tools: true or false (default: sql_tools.enabled)" };
        sqlTools.AcceptOnlyFromAmong("true", "false");
        var ignoreErrors = new Option<bool>("--ignore-errors") { Description = "Serve the valid endpoints even if some endpoint files have errors" };
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var readOnly = CommonOptions.ReadOnly();
        var command = new Command("serve", "Serve the project over MCP") { transport, sqlTools, ignoreErrors, profile, json, debug, readOnly };

        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            var options = new MxcpOptions
            {
                Profile = parse.GetValue(profile),
                Debug = parse.GetValue(debug) ? true : null,
                ReadOnly = parse.GetValue(readOnly) ? true : null,
                SqlTools = parse.GetValue(sqlTools) is { } s ? s == "true" : null,
                IgnoreErrors = parse.GetValue(ignoreErrors),
            };
            var config = await new ProjectConfigurationLoader([]).LoadAsync(options, ct).ConfigureAwait(false);
            var selected = parse.GetValue(transport) ?? config.User.Transport.Provider;
            if (selected != "stdio")
            {
                throw new CliUsageException($"The '{selected}' transport is not available in this build; use --transport stdio");
            }

            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            CliServices.ConfigureLogging(builder.Logging, options.Debug ?? config.Debug);
            builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
            builder.Services.AddMxcp(o => CliServices.Copy(options, o)).AddPluginsFromFolder().AddStdioServer();
            using var host = builder.Build();
            try
            {
                await host.StartAsync(ct).ConfigureAwait(false);
            }
            catch (EndpointErrorsException e) when (parse.GetValue(json))
            {
                JsonOutput.Write(new JsonObject
                {
                    ["status"] = "error",
                    ["message"] = $"Found {e.Problems.Count} endpoint(s) with errors",
                    ["failed_endpoints"] = new JsonArray(e.Problems.Select(p => (JsonNode)new JsonObject { ["path"] = p.Path, ["error"] = p.Message }).ToArray()),
                });
                return 1;
            }

            await host.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
