using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Mxcp.IntegrationTests.Support;
using YamlDotNet.RepresentationModel;

namespace Mxcp.IntegrationTests.Deployment;

/// <summary>
/// The deployment assets operators copy: the Dockerfile (its build stage run here without a Docker engine, its runtime
/// command and health check run against the result), the compose file, the systemd units (<c>systemd-analyze verify</c>)
/// and the Kubernetes manifests (strict against the API's typed models, their command line run by mxcp).
/// </summary>
public sealed partial class DeploymentAssetsTests
{
    private static readonly string[] GuideCommand = ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8000"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string RepoFile(params string[] parts) => Path.Combine([Repository.Root, .. parts]);

    [Fact]
    public void Dockerfile_RuntimeStage_NonRootWithHealthCheckAndTheGuidesCommandLine()
    {
        var stages = DockerfileStages(File.ReadAllText(RepoFile("Dockerfile")));
        Assert.True(stages.Count >= 2, "multi-stage: a build stage and a runtime stage");
        Assert.Equal("build", stages[0].Name);
        var runtime = stages[^1];
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", runtime.From, StringComparison.Ordinal);
        Assert.DoesNotContain(runtime.Instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));

        var user = Assert.Single(runtime.Instructions, i => i.Keyword == "USER").Arguments;
        Assert.DoesNotContain(user.Split(':')[0], (string[])["root", "0"]);
        Assert.Contains(runtime.Instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("useradd", StringComparison.Ordinal) && i.Arguments.Contains(user, StringComparison.Ordinal));
        var health = Assert.Single(runtime.Instructions, i => i.Keyword == "HEALTHCHECK").Arguments;
        Assert.Contains("CMD curl -f http://localhost:8000/health", health, StringComparison.Ordinal);
        Assert.Equal("8000", Assert.Single(runtime.Instructions, i => i.Keyword == "EXPOSE").Arguments);
        Assert.Equal(GuideCommand, JsonSerializer.Deserialize<string[]>(Assert.Single(runtime.Instructions, i => i.Keyword == "CMD").Arguments));
        var entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(runtime.Instructions, i => i.Keyword == "ENTRYPOINT").Arguments)!;
        Assert.Equal("/opt/mxcp/mxcp", Assert.Single(entrypoint));
        Assert.Contains(runtime.Instructions, i => i.Keyword == "COPY" && i.Arguments == "--from=build /opt/mxcp /opt/mxcp");
    }

    [Fact]
    public async Task Dockerfile_BuildStage_PublishesAnMxcpThatServesWithTheImagesCommandAndPassesItsHealthCheck()
    {
        var stages = DockerfileStages(File.ReadAllText(RepoFile("Dockerfile")));
        var rootfs = Path.Combine(Path.GetTempPath(), "mxcp-docker-" + Guid.NewGuid().ToString("N")[..12]);
        string Map(string containerPath) => Path.Combine(rootfs, containerPath.TrimStart('/'));
        try
        {
            // The build stage, instruction by instruction, in a folder standing for the container's file system.
            var workdir = "/";
            foreach (var (keyword, arguments) in stages[0].Instructions)
            {
                switch (keyword)
                {
                    case "WORKDIR":
                        workdir = arguments;
                        Directory.CreateDirectory(Map(workdir));
                        break;
                    case "COPY":
                        var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        var destination = parts[^1].StartsWith('/') ? Map(parts[^1]) : Path.Combine(Map(workdir), parts[^1]);
                        foreach (var source in parts[..^1])
                        {
                            CopyIntoContext(RepoFile(source.TrimEnd('/')), destination);
                        }

                        break;
                    case "RUN":
                        var script = AbsolutePath().Replace(arguments, m => m.Groups[1].Value + Map(m.Groups[2].Value));
                        var run = Shell(Map(workdir), script, TimeSpan.FromMinutes(15));
                        Assert.True(run.ExitCode == 0, $"RUN {arguments}\n{run}");
                        break;
                    default:
                        Assert.Fail($"the test does not know how to run {keyword} of the build stage");
                        break;
                }
            }

            // The runtime stage's entrypoint and command, on loopback and a free port as tests must.
            var runtime = stages[^1];
            var entrypoint = Map(JsonSerializer.Deserialize<string[]>(runtime.Instructions.Single(i => i.Keyword == "ENTRYPOINT").Arguments)![0]);
            Assert.True(File.Exists(entrypoint), $"the build stage produced no {entrypoint}");
            var command = JsonSerializer.Deserialize<string[]>(runtime.Instructions.Single(i => i.Keyword == "CMD").Arguments)!
                .Select(a => a switch { "0.0.0.0" => "127.0.0.1", "8000" => "0", _ => a })
                .ToArray();
            using var project = TestProject.Sample();
            await using var server = await ServeProcess.StartExecutableAsync(entrypoint, project, command);
            await using var client = await server.ConnectAsync("2026-07-28", cancellationToken: Ct);
            var top = await client.CallToolAsync("top_products", new Dictionary<string, object?> { ["since"] = "2024-01-01", ["limit"] = 2 }, cancellationToken: Ct);
            Assert.Equal(2, top.StructuredContent!.Value.GetProperty("result").GetArrayLength());

            var health = runtime.Instructions.Single(i => i.Keyword == "HEALTHCHECK").Arguments;
            var check = health[(health.IndexOf("CMD ", StringComparison.Ordinal) + 4)..].Replace(":8000/", $":{server.BaseUri.Port.ToString(CultureInfo.InvariantCulture)}/", StringComparison.Ordinal);
            var probe = Shell(project.Root, check, TimeSpan.FromSeconds(30));
            Assert.True(probe.ExitCode == 0, $"HEALTHCHECK {check}\n{probe}");
            Assert.Contains("\"status\":\"ok\"", probe.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            try
            {
                Directory.Delete(rootfs, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public void Compose_MxcpService_SharesTheAdminSocketWithTheSidecarAndChecksHealth()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(RepoFile("deploy", "compose.yaml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var services = (YamlMappingNode)root["services"];
        var mxcp = (YamlMappingNode)services["mxcp"];
        var admin = (YamlMappingNode)services["admin"];
        Assert.Equal("Dockerfile", ((YamlMappingNode)mxcp["build"])["dockerfile"].ToString());
        Assert.True(File.Exists(Path.Combine(RepoFile("deploy"), ((YamlMappingNode)mxcp["build"])["context"].ToString(), "Dockerfile")));

        var command = ((YamlSequenceNode)mxcp["command"]).Select(n => n.ToString()).ToArray();
        Assert.Equal(GuideCommand, command[..GuideCommand.Length]);
        var shutdown = int.Parse(command[Array.IndexOf(command, "--shutdown-timeout") + 1], CultureInfo.InvariantCulture);
        Assert.True(Seconds(mxcp["stop_grace_period"].ToString()) > shutdown, "docker stop waits longer than the shutdown timeout before SIGKILL");

        var environment = (YamlMappingNode)mxcp["environment"];
        Assert.Equal("true", environment["MXCP_ADMIN_ENABLED"].ToString());
        Assert.Equal("/run/mxcp/mxcp.sock", environment["MXCP_ADMIN_SOCKET"].ToString());
        Assert.Contains("mxcp-socket:/run/mxcp", ((YamlSequenceNode)mxcp["volumes"]).Select(n => n.ToString()));
        Assert.Contains("mxcp-socket:/run/mxcp:ro", ((YamlSequenceNode)admin["volumes"]).Select(n => n.ToString()));
        Assert.True(((YamlMappingNode)root["volumes"]).Children.ContainsKey("mxcp-socket"));

        var healthcheck = ((YamlSequenceNode)((YamlMappingNode)mxcp["healthcheck"])["test"]).Select(n => n.ToString()).ToArray();
        Assert.Equal(["CMD", "curl", "-f", "http://localhost:8000/health"], healthcheck);

        // The sidecar runs as the image's mxcp user: the admin socket is 0600.
        var dockerfile = File.ReadAllText(RepoFile("Dockerfile"));
        var uid = UserId().Match(dockerfile).Groups[1].Value;
        Assert.Equal($"{uid}:{uid}", admin["user"].ToString());
    }

    [Fact]
    public void SystemdUnits_SystemdAnalyzeVerify_ReportsNothing()
    {
        using var units = SystemdUnits();
        var verify = units.Project.RunExecutable(SystemdAnalyze, units.Project.Root, "verify", "mxcp.service", "mxcp-log-cleanup.service", "mxcp-log-cleanup.timer");
        Assert.True(verify.ExitCode == 0 && verify.Stdout.Trim().Length == 0 && verify.Stderr.Trim().Length == 0, verify.ToString());

        // A unit with a misspelt key is reported: the check above can fail.
        units.Project.Write("broken.service", File.ReadAllText(Path.Combine(units.Project.Root, "mxcp.service")).Replace("ProtectSystem=", "ProtectSystems=", StringComparison.Ordinal));
        var broken = units.Project.RunExecutable(SystemdAnalyze, units.Project.Root, "verify", "broken.service");
        Assert.Contains("Unknown key 'ProtectSystems'", broken.Stderr, StringComparison.Ordinal);

        var calendar = units.Project.RunExecutable(SystemdAnalyze, units.Project.Root, "calendar", Unit(units.Project, "mxcp-log-cleanup.timer")["OnCalendar"]);
        Assert.True(calendar.ExitCode == 0, calendar.ToString());
        Assert.Contains("02:00:00", calendar.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void SystemdService_ReloadStopAndHardening_MatchTheServer()
    {
        using var units = SystemdUnits();
        var service = Unit(units.Project, "mxcp.service");
        Assert.Equal("/bin/kill -HUP $MAINPID", service["ExecReload"]);
        var execStart = service["ExecStart"].Split(' ');
        Assert.Equal(GuideCommand, execStart[1..(GuideCommand.Length + 1)]);
        var shutdown = int.Parse(execStart[Array.IndexOf(execStart, "--shutdown-timeout") + 1], CultureInfo.InvariantCulture);
        var stop = int.Parse(service["TimeoutStopSec"], CultureInfo.InvariantCulture);
        Assert.True(stop > shutdown && stop <= shutdown + 30, $"TimeoutStopSec={stop} leaves the {shutdown} s shutdown timeout and the audit flush room before SIGKILL");
        Assert.Equal("true", service["NoNewPrivileges"]);
        Assert.Equal("strict", service["ProtectSystem"]);
        Assert.Equal("mxcp", service["User"]);

        // systemd's own judgement of the hardening options.
        var security = units.Project.RunExecutable(SystemdAnalyze, units.Project.Root, "security", "--offline=true", "mxcp.service");
        var exposure = ExposureLevel().Match(security.Stdout + security.Stderr);
        Assert.True(exposure.Success, security.ToString());
        Assert.True(double.Parse(exposure.Groups[1].Value, CultureInfo.InvariantCulture) <= 4.0, $"exposure {exposure.Groups[1].Value} (OK is at most 4.0)");

        // The timer starts the cleanup service, whose command runs as written.
        Assert.Equal("mxcp-log-cleanup.service", Unit(units.Project, "mxcp-log-cleanup.timer")["Unit"]);
        var cleanup = Unit(units.Project, "mxcp-log-cleanup.service");
        Assert.Equal("oneshot", cleanup["Type"]);
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: ops\nprofile: prod\nprofiles:\n  prod:\n    audit:\n      enabled: true\n      retention_days: 30\n");
        var run = project.Run(cleanup["ExecStart"].Split(' ')[1..]);
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public void KubernetesManifests_StrictlyMatchTheApiModelsAndReferToEachOther()
    {
        var folder = RepoFile("deploy", "kubernetes");
        var kustomization = File.ReadAllText(Path.Combine(folder, "kustomization.yaml"));
        var files = Directory.GetFiles(folder, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").ToList();
        Assert.All(files, f => Assert.Contains("  - " + Path.GetFileName(f), kustomization, StringComparison.Ordinal));

        // Strict: a misspelt or misplaced field is an error, as the API server's field validation makes it.
        var objects = files.SelectMany(f => KubernetesYaml.LoadAllFromString(File.ReadAllText(f), strict: true)).ToList();
        Assert.Throws<YamlDotNet.Core.YamlException>(() => KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(folder, "pdb.yaml")).Replace("minAvailable", "minAvailible", StringComparison.Ordinal), strict: true));

        var deployment = Assert.Single(objects.OfType<V1Deployment>());
        var configMaps = objects.OfType<V1ConfigMap>().ToDictionary(c => c.Metadata.Name);
        var secrets = objects.OfType<V1Secret>().ToDictionary(s => s.Metadata.Name);
        var labels = deployment.Spec.Template.Metadata.Labels;
        Assert.Equal(deployment.Spec.Selector.MatchLabels, labels);

        var pdb = Assert.Single(objects.OfType<V1PodDisruptionBudget>());
        Assert.Equal(labels, pdb.Spec.Selector.MatchLabels);
        Assert.True(pdb.Spec.MinAvailable.Value is { } min && int.Parse(min, CultureInfo.InvariantCulture) < deployment.Spec.Replicas);
        var hpa = Assert.Single(objects.OfType<V2HorizontalPodAutoscaler>());
        Assert.Equal(("Deployment", deployment.Metadata.Name), (hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        Assert.True(hpa.Spec.MinReplicas > int.Parse(pdb.Spec.MinAvailable.Value, CultureInfo.InvariantCulture) - 1);
        var service = Assert.Single(objects.OfType<V1Service>());
        Assert.Equal(labels, service.Spec.Selector);

        foreach (var pod in (V1PodSpec[])[deployment.Spec.Template.Spec, Assert.Single(objects.OfType<V1CronJob>()).Spec.JobTemplate.Spec.Template.Spec])
        {
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.All(pod.Volumes.Where(v => v.ConfigMap is not null), v => Assert.True(configMaps.ContainsKey(v.ConfigMap.Name), v.ConfigMap.Name));
            foreach (var reference in pod.Containers.SelectMany(c => c.Env ?? []).Select(e => e.ValueFrom?.SecretKeyRef).OfType<V1SecretKeySelector>())
            {
                Assert.True(secrets.TryGetValue(reference.Name, out var secret) && secret.StringData.ContainsKey(reference.Key), $"{reference.Name}/{reference.Key}");
            }
        }
    }

    [Fact]
    public async Task KubernetesDeployment_ProbesShutdownAndCommandLine_MatchTheServer()
    {
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(RepoFile("deploy", "kubernetes", "deployment.yaml")), strict: true);
        var deployment = Assert.Single(objects.OfType<V1Deployment>());
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal("/health", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/ready", container.ReadinessProbe.HttpGet.Path);
        var args = container.Args.ToArray();
        Assert.Equal(GuideCommand, args[..GuideCommand.Length]);
        Assert.Contains("--stateless", args);
        Assert.Contains("--readonly", args);

        // Grace = preStop (load balancers stop sending) + the shutdown timeout (calls in flight) + room for the audit flush.
        var shutdown = int.Parse(args[Array.IndexOf(args, "--shutdown-timeout") + 1], CultureInfo.InvariantCulture);
        var preStop = container.Lifecycle.PreStop.Sleep.Seconds;
        var grace = deployment.Spec.Template.Spec.TerminationGracePeriodSeconds!.Value;
        Assert.True(grace > preStop + shutdown && grace <= preStop + shutdown + 30, $"terminationGracePeriodSeconds {grace}, preStop {preStop} s, shutdown timeout {shutdown} s");

        // The container's command line is one mxcp accepts: stateless, read-only, health and readiness on its port.
        using var project = TestProject.Sample();
        var local = args.Select(a => a switch { "0.0.0.0" => "127.0.0.1", "8000" => "0", _ => a }).ToArray();
        await using var server = await ServeProcess.StartExecutableAsync(MxcpExecutable.Path, project, local);
        Assert.Contains("database:   read-only", server.Banner, StringComparison.Ordinal);
        Assert.Contains("(stateless)", server.Banner, StringComparison.Ordinal);
        using var http = new HttpClient();
        Assert.Equal("ok", JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, container.LivenessProbe.HttpGet.Path), Ct)).RootElement.GetProperty("status").GetString());
        Assert.Equal("ready", JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, container.ReadinessProbe.HttpGet.Path), Ct)).RootElement.GetProperty("status").GetString());
    }

    private sealed record Stage(string From, string? Name, List<(string Keyword, string Arguments)> Instructions);

    /// <summary>The Dockerfile's stages: instructions with their continuation lines joined, comments dropped.</summary>
    private static List<Stage> DockerfileStages(string text)
    {
        var stages = new List<Stage>();
        var logical = Regex.Replace(text, @"\\\r?\n", " ");
        foreach (var line in logical.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = line[..space].ToUpperInvariant();
            var arguments = Regex.Replace(line[(space + 1)..].Trim(), @"\s+", " ");
            if (keyword == "FROM")
            {
                var parts = arguments.Split(' ');
                stages.Add(new Stage(parts[0], parts.Length == 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null, []));
                continue;
            }

            Assert.NotEmpty(stages);
            stages[^1].Instructions.Add((keyword, arguments));
        }

        return stages;
    }

    /// <summary>Copies a file or a folder's contents as COPY does, leaving out what .dockerignore leaves out (bin/, obj/).</summary>
    private static void CopyIntoContext(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        if (File.Exists(source))
        {
            File.Copy(source, Path.Combine(destination, Path.GetFileName(source)), overwrite: true);
            return;
        }

        Assert.True(Directory.Exists(source), $"COPY source {source} does not exist");
        var ignored = File.ReadAllLines(RepoFile(".dockerignore"));
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
            {
                continue;
            }

            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>Runs <paramref name="command"/> with <c>sh -c</c>, as Docker runs the shell form of RUN and HEALTHCHECK.</summary>
    private static CliResult Shell(string workingDirectory, string command, TimeSpan timeout)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", command])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";

        // No build servers outliving the test (the image's build has none to keep either).
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["UseSharedCompilation"] = "false";
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{command} did not finish within {timeout}");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string SystemdAnalyze
    {
        get
        {
            const string path = "/usr/bin/systemd-analyze";
            if (!File.Exists(path))
            {
                const string reason = "systemd-analyze not found (install Debian's systemd package; .ci/run does)";
                if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Fail(reason);
                }

                Assert.Skip(reason);
            }

            return path;
        }
    }

    private sealed record UnitFolder(TestProject Project) : IDisposable
    {
        public void Dispose() => Project.Dispose();
    }

    /// <summary>The units of deploy/systemd in a folder, with /usr/local/bin/mxcp pointing at the mxcp under test.</summary>
    private static UnitFolder SystemdUnits()
    {
        _ = SystemdAnalyze;
        var project = TestProject.Empty();
        foreach (var file in Directory.GetFiles(RepoFile("deploy", "systemd")))
        {
            project.Write(Path.GetFileName(file), File.ReadAllText(file).Replace("/usr/local/bin/mxcp", MxcpExecutable.Path, StringComparison.Ordinal));
        }

        return new UnitFolder(project);
    }

    /// <summary>The last value of each key of a unit file.</summary>
    private static Dictionary<string, string> Unit(TestProject folder, string name) =>
        File.ReadLines(Path.Combine(folder.Root, name))
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .GroupBy(p => p[0].Trim())
            .ToDictionary(g => g.Key, g => g.Last()[1].Trim());

    private static int Seconds(string duration) => duration.EndsWith('s')
        ? int.Parse(duration[..^1], CultureInfo.InvariantCulture)
        : throw new FormatException($"expected a duration in seconds: {duration}");

    [GeneratedRegex(@"(^|[\s=])(/[A-Za-z0-9_./-]+)")]
    private static partial Regex AbsolutePath();

    [GeneratedRegex(@"useradd .*--uid (\d+)")]
    private static partial Regex UserId();

    [GeneratedRegex(@"Overall exposure level for mxcp\.service: ([0-9.]+)")]
    private static partial Regex ExposureLevel();
}
