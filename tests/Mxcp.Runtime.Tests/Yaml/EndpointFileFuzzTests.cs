using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Mcp;
using Mxcp.Runtime.Reload;
using Mxcp.Runtime.Tests.TestSupport;

namespace Mxcp.Runtime.Tests.Yaml;

/// <summary>
/// Property tests: random and mutated endpoint files go through the reader, a reload and calls with random
/// arguments and results. Nothing may throw past its boundary: a file is a definition or an error naming it, a reload
/// succeeds or keeps the last good project, a call is a result, and what is served serializes as the SDK sends it.
/// </summary>
public sealed class EndpointFileFuzzTests
{
    private static readonly string[] ValidFiles =
    [
        """
        mxcp: 1
        tool:
          name: fuzz
          description: Find orders
          parameters:
            - name: customer
              type: string
              pattern: "^C[0-9]+$"
              sensitive: true
            - name: limit
              type: integer
              default: 10
              minimum: 1
            - name: filter
              type: object
              properties:
                since: {type: string, format: date-time}
                tags: {type: array, items: {type: string, enum: [a, b]}}
          return:
            type: array
            items:
              type: object
              properties:
                id: {type: integer}
                email: {type: string, format: email, sensitive: true}
                at: {type: string, format: date-time}
              required: [id]
          source:
            code: select 1 as id
          policies:
            input:
              - condition: "user.role != 'admin' && customer.startsWith('C9')"
                action: deny
            output:
              - condition: "true"
                action: mask_fields
                fields: [email]
        """,
        """
        mxcp: 1
        resource:
          uri: "files://{name}"
          description: A file
          parameters:
            - name: name
              type: string
          return: {type: string}
          source: {code: "select $name as v"}
        """,
        """
        mxcp: 1
        prompt:
          name: fuzz
          parameters:
            - {name: topic, type: string, default: cats}
          messages:
            - role: user
              prompt: "Tell me about {{ topic }}{% if topic == 'x' %}!{% endif %}"
        """,
        """
        mxcp: 1
        tool:
          name: fuzz
          parameters:
            - &p {name: a, type: number, minimum: 0, maximum: 10}
            - {name: b, type: boolean, default: false}
          return: {type: object, properties: {n: {type: number}, when: {type: string, format: date}}, additionalProperties: false}
          source: {code: "select $a as n"}
          tests:
            - name: t
              arguments: [{key: a, value: 1}]
              result: {n: 1}
        """,
    ];

    // Replaces what UTF-8 cannot encode (a lone surrogate) instead of throwing: the bytes on disk are still hostile.
    private static readonly System.Text.Encoding Utf8 = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Gen<string> Files => Gen.Frequency((4, HostileInput.EndpointFile), (4, HostileInput.Mutated(ValidFiles)), (1, Gen.OneOf(ValidFiles)));

    [Fact]
    public void ReadFile_HostileEndpointFiles_AreADefinitionOrAnErrorNamingTheFile()
    {
        using var project = new TempProject();
        var path = project.Write("tools/fuzz.yml", "");

        Files.Sample(
            text =>
            {
                File.WriteAllText(path, text, Utf8);
                var file = EndpointDiscovery.ReadFile(path, "tools/fuzz.yml", project.Root, EndpointKind.Tool);
                Assert.True(file.Definition is not null ^ (file.Error is not null || file.Warning is not null), "exactly one outcome");
                if (file.Error is { } error)
                {
                    Assert.StartsWith("tools/fuzz.yml", error, StringComparison.Ordinal);
                }
            },
            iter: HostileInput.Iterations * 5,
            threads: 1);
    }

    [Fact]
    public async Task Reload_HostileEndpointFiles_NeverThrowAndWhatIsServedSerializesAndAnswers()
    {
        using var project = new TempProject();
        var path = project.Write("tools/fuzz.yml", ValidFiles[0]);
        var results = new RandomResultProvider();
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddMxcpCore(o =>
        {
            o.ProjectPath = project.Root;
            o.Environment = name => name == "HOME" ? project.Root : null;
            o.IgnoreErrors = true;
        });
        services.AddSingleton<IEndpointExecutorProvider>(results);
        await using var provider = services.BuildServiceProvider();
        var snapshots = provider.GetRequiredService<ProjectSnapshotProvider>();
        var pipeline = provider.GetRequiredService<EndpointPipeline>();
        var first = await snapshots.LoadAsync(Ct);
        var served = 0;

        await Gen.Select(Files, HostileInput.Json.Array[1, 4], Gen.Select(Gen.OneOf("customer", "limit", "filter", "a", "b", "name", "topic", "x"), HostileInput.Json).Array[0, 4])
            .SampleAsync(
                async (text, outputs, arguments) =>
                {
                    File.WriteAllText(path, text, Utf8);
                    await snapshots.ReloadAsync(Ct);
                    using var lease = await snapshots.AcquireAsync(Ct);
                    foreach (var endpoint in lease.Snapshot.Endpoints)
                    {
                        served++;
                        JsonSerializer.Serialize(new Tool { Name = endpoint.Definition.Name, InputSchema = endpoint.InputSchema, OutputSchema = endpoint.OutputSchema }, McpJsonUtilities.DefaultOptions);
                        var raw = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                        foreach (var (name, value) in arguments)
                        {
                            raw[name] = JsonSerializer.SerializeToElement(value);
                        }

                        foreach (var output in outputs)
                        {
                            results.Next = output;
                            var call = new EndpointCall { Snapshot = lease.Snapshot, Endpoint = endpoint, Arguments = raw, Context = new CallContext { Transport = "test" } };
                            var result = await pipeline.InvokeAsync(call, Ct);
                            Assert.True(result.Succeeded || result.Error is { Length: > 0 }, "a failed call says why");
                            if (endpoint.Definition.Kind == EndpointKind.Tool)
                            {
                                JsonSerializer.Serialize(McpResultMapper.ToToolResult(endpoint, result), McpJsonUtilities.DefaultOptions);
                            }
                            else if (result.Succeeded)
                            {
                                object answer = endpoint.Definition.Kind == EndpointKind.Prompt
                                    ? McpResultMapper.ToPromptResult(endpoint, result)
                                    : McpResultMapper.ToResourceResult(endpoint, "files://x", result);
                                JsonSerializer.Serialize(answer, answer.GetType(), McpJsonUtilities.DefaultOptions);
                            }
                        }
                    }
                },
                iter: HostileInput.Iterations,
                threads: 1);

        Assert.True(served > 0, "some generated files were served");
    }

    /// <summary>The "sql" language returning whatever the test set, to push random results through shaping and validation.</summary>
    private sealed class RandomResultProvider : IEndpointExecutorProvider, IEndpointExecutor
    {
        public string Language => "sql";

        public JsonNode? Next { get; set; }

        public ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken) => ValueTask.FromResult<IEndpointExecutor>(this);

        public ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<string>>([]);

        public ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken) => ValueTask.FromResult(Next?.DeepClone());

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
