using System.CommandLine;
using Mxcp.Admin;
using Mxcp.Admin.Diagnostics;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;

namespace Mxcp.Cli.Commands;

/// <summary>
/// <c>mxcp doctor</c>: checks what a server of this project needs, without starting one (the admin API's
/// <c>/diagnostics</c> runs the same checks inside a server): configuration, secrets (resolved, never printed), endpoint
/// files, the DuckDB file and its lock, Python and the project's packages, plugins, disk space, the admin socket, the
/// clock. Each problem comes with a fix. Exits 1 when a check fails; warnings do not fail.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var readOnly = CommonOptions.ReadOnly();
        var command = new Command("doctor", "Check the project, its configuration and the machine for what serving needs") { profile, json, debug, readOnly };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            var options = new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug), ReadOnly = parse.GetValue(readOnly) ? true : null };
            await using var services = CliServices.Create(options);
            var socket = ProjectConfigurationLoader.IsTrue(Environment.GetEnvironmentVariable("MXCP_ADMIN_ENABLED")) ? new MxcpAdminOptions().SocketPath : null;
            var report = await ProjectDiagnostics.RunAsync(options, services.Services, served: null, socket, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                // The envelope's status is the doctor's verdict, so scripts can test .status alone.
                var body = report.ToJson();
                JsonOutput.Write(new System.Text.Json.Nodes.JsonObject { ["status"] = report.Status == DiagnosticCheck.Error ? "error" : "ok", ["result"] = body });
            }
            else
            {
                Write(report);
            }

            return report.Status == DiagnosticCheck.Error ? 1 : 0;
        }));
        return command;
    }

    private static void Write(DiagnosticsReport report)
    {
        foreach (var check in report.Checks)
        {
            var mark = check.Status switch
            {
                DiagnosticCheck.Ok => "ok     ",
                DiagnosticCheck.Warning => "WARNING",
                DiagnosticCheck.Error => "ERROR  ",
                _ => "skipped",
            };
            Console.WriteLine($"{mark}  {check.Name,-13} {check.Message}");
            if (check.Hint is { } hint && check.Status is DiagnosticCheck.Warning or DiagnosticCheck.Error)
            {
                Console.WriteLine($"{"",9}  {"",-13} fix: {hint}");
            }
        }

        var errors = report.Checks.Count(c => c.Status == DiagnosticCheck.Error);
        var warnings = report.Checks.Count(c => c.Status == DiagnosticCheck.Warning);
        Console.WriteLine();
        Console.WriteLine(errors == 0 && warnings == 0 ? "No problems found." : $"{errors} error(s), {warnings} warning(s).");
    }
}
