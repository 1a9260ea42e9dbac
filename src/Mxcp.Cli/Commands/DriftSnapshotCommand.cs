using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Drift;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Testing;

namespace Mxcp.Cli.Commands;

/// <summary>
/// <c>mxcp drift-snapshot</c>: writes the baseline that <c>drift-check</c> compares with: tables and columns, every
/// endpoint's validation, tests and definition, to <c>profiles.&lt;p&gt;.drift.path</c>.
/// </summary>
internal static class DriftSnapshotCommand
{
    public static Command Create()
    {
        var force = new Option<bool>("--force") { Description = "Overwrite an existing snapshot file" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the snapshot without writing it" };
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var command = new Command("drift-snapshot", "Take a snapshot of the database schema, endpoint definitions and test results") { profile, force, dryRun, json, debug };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            var options = new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug), ReadOnly = true };
            await using var services = CliServices.Create(options);
            var config = await services.Get<ProjectConfigurationLoader>().LoadAsync(options, ct).ConfigureAwait(false);
            var path = config.SiteProfile.Drift.Path!;
            if (File.Exists(path) && !parse.GetValue(force) && !parse.GetValue(dryRun))
            {
                var message = $"Drift snapshot already exists at {path}. Use --force to overwrite.";
                if (parse.GetValue(json))
                {
                    throw new CliUsageException(message);
                }

                Console.WriteLine();
                Console.WriteLine("❌ Error: Snapshot file already exists!");
                Console.WriteLine($"   File: {message}");
                Console.WriteLine();
                Console.WriteLine("💡 Tip: Use --force to overwrite the existing snapshot");
                return 1;
            }

            var snapshot = await TakeAsync(services, ct).ConfigureAwait(false);
            var text = snapshot.ToJson().ToJsonString(JsonOutput.Options);
            if (!parse.GetValue(dryRun))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, text, new UTF8Encoding(false), ct).ConfigureAwait(false);
            }

            var hash = Hash(snapshot.ToJson());
            if (parse.GetValue(json))
            {
                JsonOutput.WriteOk(new JsonObject { ["path"] = path, ["drift_hash"] = hash, ["generated_at"] = snapshot.GeneratedAt });
            }
            else if (parse.GetValue(dryRun))
            {
                Console.WriteLine();
                Console.WriteLine("🔍 Dry Run - Snapshot Preview:");
                Console.WriteLine();
                Console.WriteLine(text);
                Console.WriteLine();
                Console.WriteLine("ℹ️  No files were written (dry run mode)");
            }
            else
            {
                Console.WriteLine();
                Console.WriteLine("✅ Drift snapshot generated successfully!");
                Console.WriteLine();
                Console.WriteLine("📸 Snapshot Details:");
                Console.WriteLine($"   • Path: {path}");
                Console.WriteLine($"   • Hash: {hash[..12]}...");
                Console.WriteLine($"   • Generated: {snapshot.GeneratedAt}");
                Console.WriteLine();
                Console.WriteLine("📊 Captured State:");
                Console.WriteLine($"   • Tables: {snapshot.Tables.Count}");
                Console.WriteLine($"   • Resources: {snapshot.Resources.Count}");
                Console.WriteLine();
                Console.WriteLine("💡 Next Steps:");
                Console.WriteLine("   • Use mxcp drift-check to compare against this baseline");
                Console.WriteLine("   • Commit the snapshot file to version control for team sharing");
            }

            return 0;
        }));
        return command;
    }

    /// <summary>The current state of the project, on a read-only database (the services' options say so).</summary>
    public static async Task<DriftSnapshot> TakeAsync(CliServices services, CancellationToken cancellationToken)
    {
        await using var project = await services.BuildSnapshotAsync(SnapshotBuildMode.Full, cancellationToken).ConfigureAwait(false);
        var builder = new DriftSnapshotBuilder(new EndpointTestRunner(services.Get<EndpointPipeline>()));
        return await builder.BuildAsync(project, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SHA-256 of the snapshot's JSON with sorted keys: equal snapshots give equal hashes.</summary>
    private static string Hash(JsonNode snapshot) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sorted(snapshot)?.ToJsonString() ?? "null")));

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}
