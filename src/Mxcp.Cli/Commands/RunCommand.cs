using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;

namespace Mxcp.Cli.Commands;

/// <summary><c>mxcp run tool|resource|prompt NAME</c>: one call through the full pipeline (policies and validation included).</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var type = new Argument<string>("type") { Description = "tool, resource or prompt" };
        type.AcceptOnlyFromAmong("tool", "resource", "prompt");
        var name = new Argument<string>("name") { Description = "The tool or prompt name, or the resource URI" };
        var param = new Option<string[]>("--param", "-p") { Description = "A parameter: name=value, or name=@file.json for a JSON value", AllowMultipleArgumentsPerToken = false };
        var userContext = new Option<string?>("--user-context", "-u") { Description = "The user as JSON, or @file.json (role, permissions, user_id, ...)" };
        var headers = new Option<string?>("--request-headers") { Description = "HTTP request headers as a JSON object, or @file.json" };
        var skipOutput = new Option<bool>("--skip-output-validation") { Description = "Do not validate the result against the return type" };
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var readOnly = CommonOptions.ReadOnly();
        var command = new Command("run", "Run a tool, resource or prompt")
        {
            type, name, param, userContext, headers, skipOutput, profile, json, debug, readOnly,
        };

        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            var kind = Enum.Parse<EndpointKind>(parse.GetValue(type)!, ignoreCase: true);
            var target = parse.GetValue(name)!;
            var arguments = CliArguments.Parameters(parse.GetValue(param));
            var context = new CallContext
            {
                User = CliArguments.User(parse.GetValue(userContext)),
                RequestHeaders = CliArguments.Headers(parse.GetValue(headers)) ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase),
                Transport = "cli",
            };

            var options = new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug), ReadOnly = parse.GetValue(readOnly) ? true : null };
            await using var services = CliServices.Create(options);
            await using var snapshot = await services.BuildSnapshotAsync(SnapshotBuildMode.Full, ct).ConfigureAwait(false);

            var endpoint = Find(snapshot, kind, target, arguments);
            var result = await services.Get<EndpointPipeline>().InvokeAsync(
                new EndpointCall
                {
                    Snapshot = snapshot,
                    Endpoint = endpoint,
                    Arguments = arguments,
                    Context = context,
                    SkipOutputValidation = parse.GetValue(skipOutput),
                    ResourceUri = kind == EndpointKind.Resource ? target : null,
                },
                ct).ConfigureAwait(false);

            if (!result.Succeeded)
            {
                throw new CliUsageException(result.Error!);
            }

            var value = kind == EndpointKind.Prompt && result.Messages is not null ? result.MessagesJson() : result.Value;
            if (parse.GetValue(json))
            {
                JsonOutput.WriteOk(value);
            }
            else
            {
                WriteHuman(value, kind);
            }

            return 0;
        }));
        return command;
    }

    private static PreparedEndpoint Find(ProjectSnapshot snapshot, EndpointKind kind, string target, Dictionary<string, JsonElement> arguments)
    {
        var key = $"{kind.ToString().ToLowerInvariant()}/{target}";
        if (kind == EndpointKind.Resource && snapshot.FindResource(target) is { } resource)
        {
            if (resource.Error is { } refused)
            {
                throw new CliUsageException(refused);
            }

            foreach (var (variable, value) in resource.Variables)
            {
                arguments.TryAdd(variable, JsonSerializer.SerializeToElement(value));
            }

            return resource.Endpoint;
        }

        if (kind != EndpointKind.Resource && snapshot.Find(kind, target) is { } found)
        {
            return found;
        }

        var broken = snapshot.Files.FirstOrDefault(f => f.Error is not null && f.Definition?.Key == key);
        throw new CliUsageException(broken is not null
            ? $"Endpoint {key} cannot run because its file has errors: {broken.Error}"
            : $"Endpoint not found: {key}");
    }

    private static void WriteHuman(JsonNode? value, EndpointKind kind)
    {
        if (kind == EndpointKind.Prompt && value is JsonArray messages)
        {
            foreach (var m in messages)
            {
                Console.WriteLine($"[{m!["role"]}]");
                Console.WriteLine(m["prompt"]!.GetValue<string>());
                Console.WriteLine();
            }

            return;
        }

        if (value is JsonArray rows && TableRenderer.CanRender(rows))
        {
            Console.Write(TableRenderer.Render(rows));
            Console.WriteLine($"({rows.Count} row{(rows.Count == 1 ? "" : "s")})");
            return;
        }

        Console.WriteLine(value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString(JsonOutput.Options) ?? "null");
    }
}
