using System.CommandLine;
using System.Text.Json.Nodes;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Cli.Commands;

/// <summary><c>mxcp init [FOLDER]</c>: a new project with the standard folders, optionally a hello-world tool, and its database.</summary>
internal static class InitCommand
{
    private static readonly string[] Folders = ["tools", "resources", "prompts", "evals", "python", "plugins", "sql", "drift", "audit", "data"];

    public static Command Create()
    {
        var folder = new Argument<string>("folder") { Description = "Where to create the project", DefaultValueFactory = _ => "." };
        var project = new Option<string?>("--project") { Description = "Project name (default: the folder name)" };
        var profile = new Option<string?>("--profile") { Description = "Profile name (default: MXCP_PROFILE, then 'default')" };
        var bootstrap = new Option<bool>("--bootstrap") { Description = "Add a hello_world example tool" };
        var debug = CommonOptions.Debug();
        var command = new Command("init", "Create a new MXCP project") { folder, project, profile, bootstrap, debug };
        command.SetAction((parse, ct) => CliErrors.RunAsync(json: false, parse.GetValue(debug), async () =>
        {
            var root = Path.GetFullPath(parse.GetValue(folder)!);
            for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
            {
                var site = Path.Combine(dir.FullName, SiteConfigReader.FileName);
                if (File.Exists(site))
                {
                    throw new CliUsageException($"Cannot create a project here: {site} already exists (projects cannot be nested)");
                }
            }

            var projectName = parse.GetValue(project) ?? new DirectoryInfo(root).Name;
            var profileName = parse.GetValue(profile) ?? NonEmpty(Environment.GetEnvironmentVariable("MXCP_PROFILE")) ?? "default";
            if (File.Exists(Path.Combine(root, "data", $"db-{profileName}.duckdb")))
            {
                throw new CliUsageException($"{Path.Combine(root, "data", $"db-{profileName}.duckdb")} already exists; remove it or choose another folder");
            }

            Directory.CreateDirectory(root);
            foreach (var name in Folders)
            {
                Directory.CreateDirectory(Path.Combine(root, name));
            }

            await File.WriteAllTextAsync(Path.Combine(root, SiteConfigReader.FileName), $"mxcp: 1\nproject: {Quote(projectName)}\nprofile: {Quote(profileName)}\n", ct).ConfigureAwait(false);
            if (parse.GetValue(bootstrap))
            {
                await File.WriteAllTextAsync(Path.Combine(root, "sql", "hello-world.sql"), "SELECT 'Hello, ' || $name || '!' AS greeting\n", ct).ConfigureAwait(false);
                await File.WriteAllTextAsync(Path.Combine(root, "tools", "hello-world.yml"), HelloWorldTool, ct).ConfigureAwait(false);
            }

            // Opening the database once creates data/db-<profile>.duckdb.
            await using (var services = CliServices.Create(new MxcpOptions { ProjectPath = root, Profile = profileName, Debug = parse.GetValue(debug) }))
            {
                await using var snapshot = await services.BuildSnapshotAsync(SnapshotBuildMode.DatabaseOnly, ct).ConfigureAwait(false);
            }

            Console.WriteLine($"Created MXCP project '{projectName}' (profile '{profileName}') in {root}");
            Console.WriteLine();
            Console.WriteLine("Next steps:");
            Console.WriteLine($"  cd {Path.GetRelativePath(Directory.GetCurrentDirectory(), root)}");
            if (parse.GetValue(bootstrap))
            {
                Console.WriteLine("  mxcp run tool hello_world --param name=World");
            }

            Console.WriteLine("  mxcp list");
            Console.WriteLine("  mxcp serve --transport stdio");
            Console.WriteLine();
            Console.WriteLine("To use it from Claude Desktop, add this to its mcpServers configuration:");
            var entry = new JsonObject
            {
                [projectName] = new JsonObject
                {
                    ["command"] = Environment.ProcessPath ?? "mxcp",
                    ["args"] = new JsonArray("serve", "--transport", "stdio"),
                    ["cwd"] = root,
                },
            };
            Console.WriteLine(entry.ToJsonString(JsonOutput.Options));
            return 0;
        }));
        return command;
    }

    private const string HelloWorldTool = """
        mxcp: 1
        tool:
          name: hello_world
          description: A simple hello world tool
          enabled: true
          parameters:
            - name: name
              type: string
              description: Name to greet
              examples: ["World"]
          return:
            type: string
            description: Greeting message
          source:
            file: ../sql/hello-world.sql
          tests:
            - name: greets
              arguments:
                - key: name
                  value: World
              result: "Hello, World!"

        """;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
