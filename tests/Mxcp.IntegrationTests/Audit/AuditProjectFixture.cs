using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Audit;

/// <summary>
/// A project with audit on whose log holds the calls of one real server session: three successful echo calls, one
/// invalid call (allowed by the policy, refused by validation), one call denied by a policy, one prompt. Tests only read it.
/// </summary>
public sealed class AuditProjectFixture : IDisposable
{
    private readonly Lazy<TestProject> _project = new(Create);

    internal TestProject Project => _project.Value;

    internal static TestProject NewProject(bool auditEnabled = true)
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", $"mxcp: 1\nproject: audited\nprofile: dev\nprofiles:\n  dev:\n    audit:\n      enabled: {(auditEnabled ? "true" : "false")}\n      retention_days: 30\n");
        project.Write("tools/echo.yml", """
            mxcp: 1
            tool:
              name: echo
              description: Echoes its arguments.
              parameters:
                - {name: seq, type: integer, description: Sequence number}
                - {name: api_key, type: string, sensitive: true, description: A key, default: "none"}
              return: {type: object, properties: {seq: {type: integer}}}
              source: {code: "select $seq as seq, length($api_key) as key_length"}
              policies:
                input:
                  - condition: "int(seq) < 0"
                    action: deny
                    reason: Negative sequence numbers are not allowed
            """);
        project.Write("prompts/hello.yml", """
            mxcp: 1
            prompt:
              name: hello
              description: Says hello.
              parameters:
                - {name: name, type: string, description: Name}
              messages:
                - {role: user, prompt: "Hello {{ name }}"}
            """);
        return project;
    }

    private static TestProject Create()
    {
        var project = NewProject();
        var ct = TestContext.Current.CancellationToken;
        var server = ServerProcess.StartAsync(project, ct).GetAwaiter().GetResult();
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                server.Client.CallToolAsync("echo", new Dictionary<string, object?> { ["seq"] = i, ["api_key"] = "sk-live-0123456789" }, cancellationToken: ct).AsTask().GetAwaiter().GetResult();
            }

            server.Client.CallToolAsync("echo", new Dictionary<string, object?> { ["seq"] = 1.5 }, cancellationToken: ct).AsTask().GetAwaiter().GetResult();
            server.Client.CallToolAsync("echo", new Dictionary<string, object?> { ["seq"] = -1 }, cancellationToken: ct).AsTask().GetAwaiter().GetResult();
            server.Client.GetPromptAsync("hello", new Dictionary<string, object?> { ["name"] = "Ann" }, cancellationToken: ct).AsTask().GetAwaiter().GetResult();
            server.CloseAsync().GetAwaiter().GetResult();
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return project;
    }

    public void Dispose()
    {
        if (_project.IsValueCreated)
        {
            _project.Value.Dispose();
        }
    }
}
