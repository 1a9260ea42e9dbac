using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Testing;
using Mxcp.Runtime.Tests.TestSupport;

namespace Mxcp.Runtime.Tests.Testing;

/// <summary>Endpoint tests run through the pipeline: policies, types, users, prompts, and the reference's JSON shape.</summary>
public sealed class EndpointTestRunnerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task<(ServiceProvider Services, ProjectSnapshot Snapshot)> LoadAsync(TempProject project)
    {
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddMxcpCore(o => { });
        services.AddSingleton<IEndpointExecutorProvider>(new JsonSqlProvider());
        var provider = services.BuildServiceProvider();
        var snapshot = await provider.GetRequiredService<ProjectSnapshotBuilder>().BuildAsync(project.Options(), SnapshotBuildMode.Full, Ct);
        return (provider, snapshot);
    }

    private const string PolicyTool = """
        tool:
          name: salary
          parameters:
            - {name: id, type: integer}
          return:
            type: object
            properties:
              id: {type: integer}
              salary: {type: number}
          policies:
            input:
              - {condition: "user.role == 'guest'", action: deny, reason: "Guests may not look"}
            output:
              - {condition: "user.role != 'admin'", action: filter_fields, fields: [salary]}
          source: {code: '{"id": 7, "salary": 100}'}
          tests:
            - name: admin sees salary
              user_context: {role: admin}
              arguments: [{key: id, value: 7}]
              result: {id: 7, salary: 100}
            - name: user does not
              description: filtered by the output policy
              user_context: {role: user}
              arguments: [{key: id, value: 7}]
              result_not_contains: [salary]
            - name: guest denied
              user_context: {role: guest}
              arguments: [{key: id, value: 7}]
              result: {id: 7}
            - name: wrong type
              arguments: [{key: id, value: seven}]
            - name: wrong result
              user_context: {role: admin}
              arguments: [{key: id, value: 7}]
              result_contains: {salary: 1}
        """;

    [Fact]
    public async Task RunAsync_PoliciesAndTypes_PassFailAndErrorAsTheReference()
    {
        using var project = new TempProject();
        project.Write("tools/salary.yml", PolicyTool);
        var (services, snapshot) = await LoadAsync(project);
        await using var _ = services;
        await using var __ = snapshot;
        var runner = new EndpointTestRunner(services.GetRequiredService<EndpointPipeline>());

        var suite = await runner.RunAsync(snapshot, EndpointKind.Tool, "salary", null, null, Ct);

        Assert.Equal("error", suite.Status);
        Assert.Equal(["passed", "passed", "error", "error", "failed"], suite.Tests.Select(t => t.Status));
        Assert.Equal("Policy enforcement failed: Guests may not look", suite.Tests[2].Error);
        Assert.Contains("Error validating parameter 'id'", suite.Tests[3].Error);
        Assert.Equal("Field 'salary' has value 100, expected 1", suite.Tests[4].Error);

        var json = suite.ToJson();
        Assert.Equal(5, json["tests_run"]!.GetValue<int>());
        Assert.False(json["no_tests"]!.GetValue<bool>());
        Assert.Equal("", json["tests"]![0]!["description"]!.GetValue<string>());
        Assert.Equal("filtered by the output policy", json["tests"]![1]!["description"]!.GetValue<string>());
        Assert.False(json["tests"]![0]!.AsObject().ContainsKey("error"));
    }

    [Fact]
    public async Task RunAsync_CommandLineUser_OverridesEveryTestsUserContext()
    {
        using var project = new TempProject();
        project.Write("tools/salary.yml", PolicyTool);
        var (services, snapshot) = await LoadAsync(project);
        await using var _ = services;
        await using var __ = snapshot;
        var runner = new EndpointTestRunner(services.GetRequiredService<EndpointPipeline>());
        var admin = ProfileUser.From(JsonDocument.Parse("""{"role": "admin"}""").RootElement, "cli");

        var suite = await runner.RunAsync(snapshot, EndpointKind.Tool, "salary", admin, null, Ct);

        // As admin, the guest test is not denied (it fails its assertion) and the user test sees the salary.
        Assert.Equal(["passed", "failed", "failed", "error", "failed"], suite.Tests.Select(t => t.Status));
    }

    [Fact]
    public async Task RunAllAsync_PromptsBrokenFilesAndNoTests_ReportedPerFile()
    {
        using var project = new TempProject();
        project.Write("prompts/p.yml", """
            prompt:
              name: p
              parameters: [{name: n, type: integer}]
              messages:
                - {role: user, prompt: "list {{ n }}"}
                - {role: assistant, prompt: "[{% for i in range(n) %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}]"}
              tests:
                - name: three
                  arguments: [{key: n, value: 3}]
                  result: [0, 1, 2]
                  result_length: 3
            """);
        project.Write("tools/none.yml", "tool:\n  name: none\n  source: {code: '1'}\n");
        project.Write("tools/broken.yml", "tool:\n  name: broken\n  source: {code: '1'}\n  tests:\n    - name: t\n      arguments: []\n      result_equals: 1\n");
        var (services, snapshot) = await LoadAsync(project);
        await using var _ = services;
        await using var __ = snapshot;
        var runner = new EndpointTestRunner(services.GetRequiredService<EndpointPipeline>());

        var report = await runner.RunAllAsync(snapshot, null, null, Ct);

        Assert.Equal("error", report.Status);
        Assert.Equal(1, report.TestsRun);
        var byPath = report.Endpoints.ToDictionary(e => e.Path);
        Assert.Equal("ok", byPath["prompts/p.yml"].Results.Status);
        Assert.Equal("prompt/p", byPath["prompts/p.yml"].Endpoint);
        Assert.True(byPath["tools/none.yml"].Results.NoTests);
        var broken = byPath["tools/broken.yml"];
        Assert.Equal(Path.Combine(project.Root, "tools", "broken.yml"), broken.Endpoint);
        Assert.Equal("error", broken.Results.Status);
        Assert.StartsWith("tools/broken.yml:7:7: tool.tests[0]: unknown key 'result_equals'", broken.Results.Message);
    }

    [Fact]
    public async Task RunAsync_UnknownEndpoint_ErrorWithTheReferenceMessage()
    {
        using var project = new TempProject();
        var (services, snapshot) = await LoadAsync(project);
        await using var _ = services;
        await using var __ = snapshot;
        var suite = await new EndpointTestRunner(services.GetRequiredService<EndpointPipeline>()).RunAsync(snapshot, EndpointKind.Tool, "nope", null, null, Ct);
        Assert.Equal("error", suite.Status);
        Assert.Equal("Endpoint not found: tool/nope", suite.Message);
    }
}
