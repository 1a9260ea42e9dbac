using System.CommandLine;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Cli.Commands;

/// <summary><c>mxcp list</c>: the project's endpoint files and whether each one is valid (no database needed).</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var command = new Command("list", "List the tools, resources and prompts of the project") { profile, json, debug };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            await using var services = CliServices.Create(new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug) });
            await using var snapshot = await services.BuildSnapshotAsync(SnapshotBuildMode.DiscoveryOnly, ct).ConfigureAwait(false);
            var files = snapshot.Files.Where(f => f.Warning is null && !f.IsDisabled).ToList();
            if (parse.GetValue(json))
            {
                var endpoints = new JsonArray();
                foreach (var f in files)
                {
                    // As the reference: the absolute path, and "unknown" for a file that cannot be served.
                    var ok = f.Error is null && f.Definition is not null;
                    var endpoint = new JsonObject
                    {
                        ["path"] = f.FullPath,
                        ["kind"] = ok ? f.Definition!.Kind.ToString().ToLowerInvariant() : "unknown",
                        ["name"] = ok ? Identity(f.Definition!) : "unknown",
                        ["error"] = f.Error ?? "",
                    };
                    if (ok && f.Warnings.Count > 0)
                    {
                        endpoint["warnings"] = new JsonArray(f.Warnings.Select(w => (JsonNode)w).ToArray());
                    }

                    endpoints.Add(endpoint);
                }

                JsonOutput.WriteOk(new JsonObject { ["status"] = files.Any(f => f.Error is not null) ? "error" : "ok", ["endpoints"] = endpoints });
                return 0;
            }

            WriteHuman(files);
            return 0;
        }));
        return command;
    }

    private static string Identity(EndpointDefinition d) => d.Kind == EndpointKind.Resource ? d.Uri! : d.Name;

    private static void WriteHuman(List<EndpointFile> files)
    {
        var failed = files.Where(f => f.Error is not null).ToList();
        if (failed.Count > 0)
        {
            Console.WriteLine($"Failed endpoints ({failed.Count}):");
            foreach (var f in failed)
            {
                Console.WriteLine($"  ✗ {f.Error}");
            }

            Console.WriteLine();
        }

        foreach (var (kind, title) in (ReadOnlySpan<(EndpointKind, string)>)[(EndpointKind.Tool, "Tools"), (EndpointKind.Resource, "Resources"), (EndpointKind.Prompt, "Prompts")])
        {
            var ok = files.Where(f => f.Error is null && f.Definition?.Kind == kind).ToList();
            Console.WriteLine($"{title} ({ok.Count}):");
            foreach (var f in ok)
            {
                Console.WriteLine($"  ✓ {Identity(f.Definition!)}  ({f.DisplayPath})");
                foreach (var warning in f.Warnings)
                {
                    Console.WriteLine($"      warning: {warning}");
                }
            }
        }
    }
}
