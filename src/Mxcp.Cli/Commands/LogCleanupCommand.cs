using System.CommandLine;
using System.Text.Json.Nodes;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Audit;

namespace Mxcp.Cli.Commands;

/// <summary>
/// <c>mxcp log-cleanup [--dry-run]</c>: deletes the audit records older than <c>retention_days</c> (for cron or a systemd
/// timer). The dry run takes the same decisions as a real run and only counts them, so it reports exactly what a real
/// run would delete; segments a running server has open are left alone by both.
/// </summary>
internal static class LogCleanupCommand
{
    public static Command Create()
    {
        var profile = CommonOptions.Profile();
        var dryRun = new Option<bool>("--dry-run") { Description = "Count what would be deleted; delete nothing" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON: {\"status\": \"ok\", \"result\": ...}" };
        var debug = CommonOptions.Debug();
        var command = new Command("log-cleanup", "Delete audit records older than their retention period") { profile, dryRun, json, debug };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            var asJson = parse.GetValue(json);
            var dry = parse.GetValue(dryRun);
            var options = new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug) ? true : null };
            await using var audit = await AuditCommandContext.OpenAsync(options, ct).ConfigureAwait(false);
            if (audit.Backend is not { } backend)
            {
                var message = $"Audit logging is not enabled for profile '{audit.Config.Profile}'";
                if (asJson)
                {
                    JsonOutput.WriteOk(new JsonObject { ["status"] = "skipped", ["message"] = message, ["deleted_per_schema"] = new JsonObject() });
                }
                else
                {
                    Console.WriteLine(message);
                }

                return 0;
            }

            if (!asJson)
            {
                Console.WriteLine(dry ? "DRY RUN: Analyzing what would be deleted..." : "Applying retention policies...");
                Console.WriteLine();
            }

            var cutoffs = AuditBackendFactory.RetentionCutoffs(audit.Config, DateTimeOffset.UtcNow);
            var counts = await backend.ApplyRetentionAsync(cutoffs, dry, ct).ConfigureAwait(false);
            var total = counts.Values.Sum();
            if (asJson)
            {
                var perSchema = new JsonObject();
                foreach (var (schema, count) in counts)
                {
                    perSchema[schema] = count;
                }

                JsonOutput.WriteOk(new JsonObject
                {
                    ["status"] = dry ? "dry_run" : "success",
                    ["message"] = dry ? $"Would delete {total} records" : $"Deleted {total} records",
                    ["deleted_per_schema"] = perSchema,
                });
                return 0;
            }

            if (total == 0)
            {
                Console.WriteLine(dry ? "No records would be deleted." : "No records were deleted.");
                return 0;
            }

            Console.WriteLine(dry ? "Records that would be deleted:" : "Deleted records by schema:");
            foreach (var (schema, count) in counts)
            {
                Console.WriteLine($"  {schema} (retention: {audit.Audit.EffectiveRetentionDays} days): {count} records");
            }

            Console.WriteLine();
            Console.WriteLine(dry ? $"Total records that would be deleted: {total}" : $"Total records deleted: {total}");
            if (dry)
            {
                Console.WriteLine();
                Console.WriteLine("Run without --dry-run to actually delete these records.");
            }

            return 0;
        }));
        return command;
    }
}
