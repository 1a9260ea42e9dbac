using System.CommandLine;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Dbt;

namespace Mxcp.Cli.Commands;

/// <summary>
/// <c>mxcp dbt-config</c>: writes dbt's <c>profiles.yml</c> entry and the project's <c>dbt_project.yml</c> for the
/// project's DuckDB file. Secrets are written as <c>env_var()</c> references that
/// <c>mxcp dbt</c> fills in, or embedded with <c>--embed-secrets --force</c>. dbt itself is not needed to write them.
/// </summary>
internal static class DbtConfigCommand
{
    public static Command Create()
    {
        var profile = new Option<string?>("--profile") { Description = "Override the profile name from mxcp-site.yml" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be written without changing files" };
        var force = new Option<bool>("--force") { Description = "Update an existing dbt profile" };
        var embed = new Option<bool>("--embed-secrets") { Description = "Write secret values into profiles.yml (needs --force)" };
        var debug = CommonOptions.Debug();
        var command = new Command("dbt-config", "Write dbt's profiles.yml and dbt_project.yml for this project's DuckDB database") { profile, dryRun, force, embed, debug };
        command.SetAction((parse, ct) => CliErrors.RunAsync(json: false, parse.GetValue(debug), async () =>
        {
            var options = new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug) };
            await using var services = CliServices.Create(options);
            var config = await services.Get<ProjectConfigurationLoader>().LoadAsync(options, ct).ConfigureAwait(false);
            var embedSecrets = parse.GetValue(embed);
            Console.WriteLine();
            Console.WriteLine("🔧 Configuring dbt integration");
            Console.WriteLine($"   • Project: {config.ProjectName}");
            Console.WriteLine($"   • Profile: {config.Profile}");
            Console.WriteLine(embedSecrets ? "   • Mode: Embed secrets (⚠️  not recommended for production)" : "   • Mode: Environment variables (secure)");
            if (parse.GetValue(dryRun))
            {
                Console.WriteLine("   • DRY RUN MODE - No files will be modified");
            }

            if (DbtEnvironment.FindDbt(Environment.GetEnvironmentVariable("PATH")) is null)
            {
                Console.WriteLine();
                Console.WriteLine("⚠️  Warning: dbt CLI is not installed or not available in PATH.");
                Console.WriteLine("   dbt is a separate Python tool; install it with: pip install dbt-core dbt-duckdb");
            }

            Console.WriteLine();
            if (!config.Site.Dbt.Enabled)
            {
                throw new CliUsageException("dbt integration is disabled in mxcp-site.yml");
            }

            if (embedSecrets && !parse.GetValue(force))
            {
                throw new CliUsageException("--embed-secrets requires --force to be set");
            }

            var profilesPath = DbtFiles.ProfilesPath(Environment.GetEnvironmentVariable);
            var projectPath = Path.Combine(config.ProjectRoot, "dbt_project.yml");
            var profiles = DbtFiles.Load(profilesPath);
            var name = DbtFiles.ProfileName(config);
            if (profiles.ContainsKey(name) && !parse.GetValue(force))
            {
                throw new CliUsageException($"Profile '{name}' already exists in {profilesPath}. Use --force to update configuration.");
            }

            var mergedProfiles = DbtFiles.MergeProfiles(profiles, config, embedSecrets);
            var mergedProject = DbtFiles.MergeProject(DbtFiles.Load(projectPath), config);
            if (parse.GetValue(dryRun))
            {
                Console.WriteLine($"Would write the following to {profilesPath}:");
                Console.WriteLine(DbtFiles.ToYaml(mergedProfiles));
                Console.WriteLine($"Would write the following to {projectPath}:");
                Console.WriteLine(DbtFiles.ToYaml(mergedProject));
                return 0;
            }

            if (embedSecrets)
            {
                Console.WriteLine("WARNING: Embedding secrets directly in profiles.yml");
                Console.WriteLine("This will write sensitive values to disk!");
                if (!Console.IsOutputRedirected)
                {
                    for (var i = 5; i > 0; i--)
                    {
                        Console.Write($"Continuing in {i}...\r");
                        await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                    }

                    Console.WriteLine();
                }

                Console.WriteLine("Continuing...");
            }

            DbtFiles.Save(profilesPath, mergedProfiles);
            DbtFiles.Save(projectPath, mergedProject);
            Console.WriteLine($"profiles.yml and dbt_project.yml updated ({(embedSecrets ? "embedded secrets" : "env_var mode")})");
            Console.WriteLine();
            Console.WriteLine("✅ dbt configuration complete!");
            Console.WriteLine();
            Console.WriteLine("📚 Files created/updated:");
            Console.WriteLine($"   • {projectPath} - dbt project configuration");
            Console.WriteLine($"   • {profilesPath} - Connection profile for DuckDB");
            Console.WriteLine();
            Console.WriteLine("🚀 Next steps:");
            Console.WriteLine("   1. Run dbt deps to install dependencies");
            Console.WriteLine("   2. Run dbt run to execute your models");
            Console.WriteLine("   3. Or use mxcp dbt run to auto-inject secrets");
            return 0;
        }));
        return command;
    }
}
