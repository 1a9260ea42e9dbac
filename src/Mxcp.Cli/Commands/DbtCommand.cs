using System.CommandLine;
using System.Diagnostics;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Dbt;

namespace Mxcp.Cli.Commands;

/// <summary>
/// <c>mxcp dbt ARGS...</c>: runs the dbt CLI in the project with the active profile's secrets in its environment
/// (<c>MXCP_SECRET_*</c>) and exits with dbt's exit code. dbt is a separate Python tool: when it
/// is not on <c>PATH</c> the command says how to install it and exits 1.
/// </summary>
internal static class DbtCommand
{
    public static Command Create()
    {
        var profile = new Option<string?>("--profile") { Description = "Override the profile name from mxcp-site.yml" };
        var debug = CommonOptions.Debug();
        var command = new Command("dbt", "Run dbt with the project's secrets injected (e.g. mxcp dbt run --select my_model)") { profile, debug };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, ct) => CliErrors.RunAsync(json: false, parse.GetValue(debug), async () =>
        {
            var options = new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug) };
            await using var services = CliServices.Create(options);
            var config = await services.Get<ProjectConfigurationLoader>().LoadAsync(options, ct).ConfigureAwait(false);
            if (!config.Site.Dbt.Enabled)
            {
                throw new CliUsageException("dbt integration is disabled in mxcp-site.yml");
            }

            if (DbtEnvironment.FindDbt(Environment.GetEnvironmentVariable("PATH")) is not { } dbt)
            {
                Console.WriteLine();
                Console.WriteLine("❌ Error: dbt CLI is not installed or not available in PATH.");
                Console.WriteLine("   dbt is a separate Python tool that mxcp runs but does not include.");
                Console.WriteLine("   Install with: pip install dbt-core dbt-duckdb");
                throw new CliUsageException("dbt CLI is not installed. Please install dbt-core and dbt-duckdb.");
            }

            var arguments = parse.UnmatchedTokens.ToList();
            var secrets = DbtEnvironment.SecretVariables(config.UserProfile.Secrets);
            Console.WriteLine();
            Console.WriteLine("🚀 Running dbt with MXCP secret injection");
            Console.WriteLine($"   • Project: {config.ProjectName}");
            Console.WriteLine($"   • Profile: {config.Profile}");
            Console.WriteLine($"   • Command: dbt {string.Join(' ', arguments)}");
            if (secrets.Count > 0)
            {
                Console.WriteLine($"   • Secrets: {secrets.Count} environment variables injected");
            }

            Console.WriteLine();
            Console.WriteLine("Delegating to dbt...");
            Console.WriteLine(new string('-', 60));
            Console.WriteLine();
            Console.Out.Flush();

            var start = new ProcessStartInfo(dbt) { WorkingDirectory = config.ProjectRoot, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (name, value) in secrets)
            {
                start.Environment[name] = value;
            }

            using var process = Process.Start(start) ?? throw new CliUsageException($"Cannot start {dbt}");
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
            Console.WriteLine();
            Console.WriteLine(new string('-', 60));
            if (process.ExitCode == 0)
            {
                Console.WriteLine("✅ dbt command completed successfully!");
            }
            else
            {
                Console.WriteLine($"❌ dbt command failed with exit code: {process.ExitCode}");
            }

            return process.ExitCode;
        }));
        return command;
    }
}
