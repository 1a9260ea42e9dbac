using System.CommandLine;
using System.Text.Json.Nodes;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Cli.Commands;

/// <summary>
/// <c>mxcp validate [PATH]</c>: checks every endpoint file (or one) as serving would: types, SQL parameters and syntax
/// against the database, templates and policies. Python endpoints are checked for their source file without importing
/// the project's code (as the reference). Exits 1 when anything is wrong (the reference exits 0); warnings (a declared
/// parameter the SQL does not use, resource parameters outside the URI) are reported and do not fail.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var path = new Argument<string?>("path") { Description = "One endpoint file to validate (default: all)", Arity = ArgumentArity.ZeroOrOne };
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var readOnly = CommonOptions.ReadOnly();
        var command = new Command("validate", "Validate endpoint files") { path, profile, json, debug, readOnly };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            var options = new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug), ReadOnly = parse.GetValue(readOnly) ? true : null };
            await using var services = CliServices.Create(options);
            await using var snapshot = await services.BuildSnapshotAsync(SnapshotBuildMode.Validate, ct).ConfigureAwait(false);
            var files = snapshot.Files.Where(f => f.Warning is null && !f.IsDisabled).ToList();

            if (parse.GetValue(path) is { } one)
            {
                var full = Path.GetFullPath(one);
                var file = files.FirstOrDefault(f => f.FullPath == full || f.DisplayPath == one.Replace('\\', '/'))
                    ?? throw new CliUsageException($"'{one}' is not an endpoint file of this project (looked in the tools, resources and prompts folders)");
                var item = Item(file);
                if (parse.GetValue(json))
                {
                    JsonOutput.WriteOk(item);
                }
                else
                {
                    WriteHuman([file]);
                }

                return file.Error is null ? 0 : 1;
            }

            var failed = files.Count(f => f.Error is not null);
            if (parse.GetValue(json))
            {
                var result = new JsonObject
                {
                    ["status"] = failed == 0 ? "ok" : "error",
                    ["validated"] = new JsonArray(files.Select(f => (JsonNode)Item(f)).ToArray()),
                };
                if (files.Count == 0)
                {
                    result["message"] = "No endpoint files found";
                }

                JsonOutput.WriteOk(result);
            }
            else
            {
                WriteHuman(files);
                Console.WriteLine(files.Count == 0
                    ? "No endpoint files found."
                    : $"Validated {files.Count} endpoint file(s): {files.Count - failed} ok, {failed} with errors.");
            }

            return failed == 0 ? 0 : 1;
        }));
        return command;
    }

    private static JsonObject Item(EndpointFile f)
    {
        var item = new JsonObject { ["status"] = f.Error is null ? "ok" : "error", ["path"] = f.DisplayPath };
        if (f.Error is not null)
        {
            item["message"] = f.Error;
        }
        else if (f.Warnings.Count > 0)
        {
            item["warnings"] = new JsonArray(f.Warnings.Select(w => (JsonNode)w).ToArray());
        }

        return item;
    }

    private static void WriteHuman(IEnumerable<EndpointFile> files)
    {
        foreach (var f in files)
        {
            Console.WriteLine(f.Error is null ? $"✓ {f.DisplayPath}" : $"✗ {f.DisplayPath}\n    {f.Error}");
            if (f.Error is null)
            {
                foreach (var warning in f.Warnings)
                {
                    Console.WriteLine($"    warning: {warning}");
                }
            }
        }
    }
}
