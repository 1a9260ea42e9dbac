using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Cli.Commands;

/// <summary>
/// <c>mxcp init [FOLDER]</c>: a new project with the standard folders, optionally a hello-world tool, and its database;
/// then offers to write <c>server_config.json</c> for Claude Desktop. Refuses inside another
/// project (a pre-release one is named with its migration steps) and over an existing database.
/// </summary>
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
            CheckNotInsideAProject(root);
            var profileName = parse.GetValue(profile) ?? NonEmpty(Environment.GetEnvironmentVariable("MXCP_PROFILE")) ?? "default";
            if (File.Exists(Path.Combine(root, $"db-{profileName}.duckdb")) || File.Exists(Path.Combine(root, "data", $"db-{profileName}.duckdb")))
            {
                throw new CliUsageException($"Cannot create a MXCP repository in a directory with an existing db-{profileName}.duckdb file");
            }

            Directory.CreateDirectory(root);
            var projectName = parse.GetValue(project) ?? new DirectoryInfo(root).Name;
            if (ProjectInUserConfig(projectName) && !Confirm($"Project '{projectName}' already exists in your config. Continue?"))
            {
                return 0;
            }

            // The reference writes the keys sorted.
            await File.WriteAllTextAsync(Path.Combine(root, SiteConfigReader.FileName),
                $"mxcp: 1\nprofile: {Scalar(profileName)}\nproject: {Scalar(projectName)}\n", ct).ConfigureAwait(false);
            Console.WriteLine("✓ Created mxcp-site.yml");
            foreach (var name in Folders)
            {
                Directory.CreateDirectory(Path.Combine(root, name));
            }

            Console.WriteLine("✓ Created project directories");
            if (parse.GetValue(bootstrap))
            {
                await File.WriteAllTextAsync(Path.Combine(root, "sql", "hello-world.sql"), "SELECT 'Hello, ' || $name || '!' as greeting\n", ct).ConfigureAwait(false);
                await File.WriteAllTextAsync(Path.Combine(root, "tools", "hello-world.yml"), HelloWorldTool, ct).ConfigureAwait(false);
                Console.WriteLine("✓ Created example hello world endpoint");
            }

            // Opening the database once creates data/db-<profile>.duckdb (and checks the new configuration loads).
            try
            {
                await using var services = CliServices.Create(new MxcpOptions { ProjectPath = root, Profile = profileName, Debug = parse.GetValue(debug) });
                await using var snapshot = await services.BuildSnapshotAsync(SnapshotBuildMode.DatabaseOnly, ct).ConfigureAwait(false);
                Console.WriteLine("✓ Initialized DuckDB database");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Console.WriteLine($"⚠️  Warning: Failed to initialize DuckDB database: {e.Message}");
            }

            var generated = false;
            if (Confirm("\nWould you like to generate a Claude Desktop configuration file?"))
            {
                var config = ClaudeDesktopConfig(projectName, root);
                await File.WriteAllTextAsync(Path.Combine(root, "server_config.json"), config.ToJsonString(JsonOutput.Options) + "\n", new UTF8Encoding(false), ct).ConfigureAwait(false);
                Console.WriteLine("✓ Generated server_config.json for Claude Desktop");
                Console.WriteLine();
                Console.WriteLine("Generated configuration:");
                Console.WriteLine(config.ToJsonString(JsonOutput.Options));
                generated = true;
            }
            else
            {
                Console.WriteLine("ℹ️  Skipped Claude Desktop configuration generation");
            }

            NextSteps(root, parse.GetValue(bootstrap), generated);
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
            examples:
            - World
            - Alice
            - Bob
          return:
            type: string
            description: Greeting message
          source:
            file: ../sql/hello-world.sql

        """;

    private static void CheckNotInsideAProject(string root)
    {
        for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
        {
            var site = Path.Combine(dir.FullName, SiteConfigReader.FileName);
            if (!File.Exists(site))
            {
                continue;
            }

            // A project of a pre-release MXCP is refused with its migration steps.
            string? legacy = null;
            try
            {
                if (YamlDocumentLoader.LoadFile(site, site) is YamlMapping map && map["mxcp"] is YamlScalar { Kind: YamlScalarKind.String } version)
                {
                    legacy = LegacyVersion.MigrationMessage(version.Value, SiteConfigReader.FileName);
                }
            }
            catch (ProjectFileException)
            {
            }

            throw new CliUsageException(legacy is null
                ? $"Cannot create a MXCP repository inside another one ({site} exists)"
                : $"Cannot create a MXCP repository inside another one ({site} exists). That project needs migrating:\n{legacy}");
        }
    }

    private static bool ProjectInUserConfig(string project)
    {
        try
        {
            var (path, _) = ProjectConfigurationLoader.LocateUserConfig(new MxcpOptions(), Environment.GetEnvironmentVariable);
            return path is not null
                && YamlDocumentLoader.LoadFile(path, path) is YamlMapping root
                && root["projects"] is YamlMapping projects
                && projects.ContainsKey(project);
        }
        catch (ProjectFileException)
        {
            return false;
        }
    }

    /// <summary>A yes/no question on the terminal; no answer (end of input) is no.</summary>
    private static bool Confirm(string question)
    {
        while (true)
        {
            Console.Write($"{question} [y/N]: ");
            var answer = Console.ReadLine();
            if (answer is null)
            {
                Console.WriteLine();
                return false;
            }

            switch (answer.Trim().ToLowerInvariant())
            {
                case "y" or "yes":
                    return true;
                case "" or "n" or "no":
                    return false;
                default:
                    Console.WriteLine("Error: invalid input");
                    break;
            }
        }
    }

    /// <summary>
    /// A Claude Desktop <c>mcpServers</c> entry that serves the project over stdio: <c>mxcp</c> when the running tool is
    /// the one on PATH, else its full path.
    /// </summary>
    private static JsonObject ClaudeDesktopConfig(string project, string root)
    {
        var self = Environment.ProcessPath;
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "mxcp.exe" : "mxcp"))
            .FirstOrDefault(File.Exists);
        var command = self is null || (onPath is not null && Path.GetFullPath(onPath) == Path.GetFullPath(self)) ? "mxcp" : self;
        return new JsonObject
        {
            ["mcpServers"] = new JsonObject
            {
                [project] = new JsonObject
                {
                    ["command"] = command,
                    ["args"] = new JsonArray("serve", "--transport", "stdio"),
                    ["cwd"] = root,
                },
            },
        };
    }

    private static void NextSteps(string root, bool bootstrap, bool configGenerated)
    {
        var rule = new string('=', 60);
        Console.WriteLine();
        Console.WriteLine(rule);
        Console.WriteLine("✨ MXCP project initialized successfully!");
        Console.WriteLine(rule);
        Console.WriteLine();
        Console.WriteLine("📁 Project Structure:");
        Console.WriteLine($"   {root}/");
        Console.WriteLine("   ├── mxcp-site.yml       # project configuration");
        if (bootstrap)
        {
            Console.WriteLine("   ├── tools/              # tool definitions");
            Console.WriteLine("   │   └── hello-world.yml # the example tool");
            Console.WriteLine("   ├── sql/                # SQL implementations");
            Console.WriteLine("   │   └── hello-world.sql # the example tool's SQL");
        }
        else
        {
            Console.WriteLine("   ├── tools/              # tool definitions");
            Console.WriteLine("   ├── sql/                # SQL implementations");
        }

        Console.WriteLine("   ├── resources/          # resource definitions");
        Console.WriteLine("   ├── prompts/            # prompt definitions");
        Console.WriteLine("   ├── evals/              # LLM eval suites");
        Console.WriteLine("   ├── python/             # Python implementations");
        Console.WriteLine("   ├── plugins/            # plugins");
        Console.WriteLine("   ├── drift/              # drift snapshots");
        Console.WriteLine("   ├── audit/              # audit logs");
        Console.WriteLine("   └── data/               # database files");
        Console.WriteLine();
        Console.WriteLine("🚀 Next Steps:");
        Console.WriteLine();
        Console.WriteLine("1. Try it locally:");
        Console.WriteLine($"   cd {root}");
        Console.WriteLine(bootstrap ? "   mxcp run tool hello_world --param name=World" : "   # add a tool under tools/, then: mxcp run tool <tool_name>");
        Console.WriteLine();
        Console.WriteLine("2. Start the MCP server:");
        Console.WriteLine("   mxcp serve");
        Console.WriteLine();
        Console.WriteLine("3. Connect Claude Desktop:");
        if (configGenerated)
        {
            Console.WriteLine("   Add the entry of server_config.json to Claude Desktop's configuration");
        }
        else
        {
            Console.WriteLine("   Run 'mxcp init .' again to generate server_config.json");
        }

        Console.WriteLine(OperatingSystem.IsMacOS() ? "   (~/Library/Application Support/Claude/claude_desktop_config.json)"
            : OperatingSystem.IsWindows() ? @"   (%APPDATA%\Claude\claude_desktop_config.json)"
            : "   (~/.config/Claude/claude_desktop_config.json)");
        Console.WriteLine();
        Console.WriteLine("4. More:");
        Console.WriteLine("   mxcp list        # the endpoints");
        Console.WriteLine("   mxcp validate    # check them");
        Console.WriteLine("   mxcp test        # run their tests");
        Console.WriteLine("   mxcp lint        # metadata that helps LLMs");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    // Plain when YAML reads it back as the same string, else double-quoted.
    private static string Scalar(string value) =>
        value.Length > 0 && char.IsAsciiLetter(value[0]) && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
        && value.ToLowerInvariant() is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "y" or "n")
            ? value
            : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
