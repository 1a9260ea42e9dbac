using Mxcp.Abstractions;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Tests.TestSupport;

namespace Mxcp.Runtime.Tests.Endpoints;

public sealed class EndpointDiscoveryTests
{
    private static async Task<IReadOnlyList<EndpointFile>> DiscoverAsync(TempProject project)
    {
        var config = await new ProjectConfigurationLoader([]).LoadAsync(project.Options(), TestContext.Current.CancellationToken);
        return EndpointDiscovery.Discover(config);
    }

    [Fact]
    public async Task Discover_ManyFiles_ReadInParallelKeepTheirOrderErrorsAndDuplicates()
    {
        // Enough files to be read on several threads: the result is the same list, in path order, as one by one.
        using var project = new TempProject();
        const int Count = 300;
        for (var i = 0; i < Count; i++)
        {
            var name = i == 250 ? "tool_7" : $"tool_{i}";
            project.Write($"tools/{i / 100}/t{i:D3}.yml", i == 120
                ? "mxcp: 1\ntool: [unclosed\n"
                : $"mxcp: 1\ntool:\n  name: {name}\n  source:\n    code: SELECT {i} AS v\n");
        }

        project.Write("prompts/p.yml", "mxcp: 1\nprompt:\n  name: p\n  messages:\n    - prompt: hi\n");

        var files = await DiscoverAsync(project);

        Assert.Equal(Count + 1, files.Count);
        Assert.Equal(
            Enumerable.Range(0, Count).Select(i => $"tools/{i / 100}/t{i:D3}.yml").Append("prompts/p.yml"),
            files.Select(f => f.DisplayPath));
        Assert.StartsWith("tools/1/t120.yml", files[120].Error, StringComparison.Ordinal);
        Assert.Contains("Duplicate endpoint name 'tool_7' found in: tools/0/t007.yml, tools/2/t250.yml", files[7].Error, StringComparison.Ordinal);
        Assert.Contains("Duplicate endpoint name 'tool_7'", files[250].Error, StringComparison.Ordinal);
        Assert.All(files.Where((_, i) => i is not (7 or 120 or 250)), f => Assert.Null(f.Error));
        Assert.Equal("SELECT 299 AS v", files[299].Definition!.Source!.Code);
        Assert.Equal(EndpointKind.Prompt, files[^1].Definition!.Kind);
    }

    [Fact]
    public async Task Discover_FullTool_ReadsEveryField()
    {
        using var project = new TempProject();
        project.Write("tools/search.yml", """
            mxcp: 1
            tool:
              name: search_orders
              description: Find orders
              tags: [orders, search]
              annotations:
                title: Order search
                readOnlyHint: true
                idempotentHint: yes
              parameters:
                - name: customer
                  type: string
                  description: Customer id
                  pattern: "^C[0-9]+$"
                  examples: ["C1"]
                - name: limit
                  type: integer
                  default: 10
                  minimum: 1
                  maximum: 100
                - name: since
                  type: string
                  format: date
                  default: null
                  nullable: true
              return:
                type: array
                items:
                  type: object
                  properties:
                    id: {type: integer}
                    email: {type: string, sensitive: true}
                  required: [id]
                  additionalProperties: false
              source:
                file: ../sql/search.sql
              policies:
                input:
                  - condition: "user.role != 'admin'"
                    action: deny
                    reason: Admins only
                output:
                  - condition: "true"
                    action: mask_fields
                    fields: [email]
              tests:
                - name: finds
                  arguments:
                    - key: customer
                      value: C1
                  result_length: 2
            metadata:
              owner: sales
            """);
        var file = Assert.Single(await DiscoverAsync(project));
        Assert.Null(file.Error);
        var tool = file.Definition!;
        Assert.Equal("tool/search_orders", tool.Key);
        Assert.Equal(["orders", "search"], tool.Tags);
        Assert.True(tool.Annotations!.ReadOnlyHint);
        Assert.True(tool.Annotations.IdempotentHint);
        Assert.Null(tool.Annotations.DestructiveHint);
        Assert.Equal(3, tool.Parameters.Count);
        Assert.Equal("^C[0-9]+$", tool.Parameters[0].Schema.Pattern);
        Assert.False(tool.Parameters[0].Schema.HasDefault);
        Assert.Equal(10, tool.Parameters[1].Schema.Default!.Value.GetInt32());
        Assert.True(tool.Parameters[2].Schema.HasDefault);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, tool.Parameters[2].Schema.Default!.Value.ValueKind);
        Assert.Equal(SchemaFormat.Date, tool.Parameters[2].Schema.Format);
        Assert.True(tool.Parameters[2].Schema.Nullable);
        Assert.Equal(["id", "email"], tool.Return!.Items!.Properties!.Keys);
        Assert.True(tool.Return.Items.Properties["email"].Sensitive);
        Assert.False(tool.Return.Items.AdditionalProperties);
        Assert.Equal("sql", tool.Language);
        Assert.Equal(Path.Combine(project.Root, "sql", "search.sql"), tool.Source!.FullPath);
        Assert.Equal(PolicyAction.Deny, tool.Policies!.Input[0].Action);
        Assert.Equal(["email"], tool.Policies.Output[0].Fields);
        Assert.Equal("result_length", tool.Tests[0].Assertions[0].Key);
        Assert.Equal("sales", tool.Metadata!.Value.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task Discover_BrokenFile_DoesNotHideValidOnes()
    {
        using var project = new TempProject();
        project.Write("tools/a.yml", "tool:\n  name: a\n  source: {code: select 1}\n");
        project.Write("tools/b.yml", "tool:\n  name: b\n  sorce: {code: select 1}\n");
        project.Write("tools/c.yaml", "tool:\n  name: c\n  source: {code: select 1}\n");
        var files = await DiscoverAsync(project);
        Assert.Equal(["tools/a.yml", "tools/b.yml", "tools/c.yaml"], files.Select(f => f.DisplayPath));
        Assert.True(files[0].IsValid);
        Assert.Equal("tools/b.yml:3:3: tool: unknown key 'sorce' (did you mean 'source'?)", files[1].Error);
        Assert.True(files[2].IsValid);
    }

    [Fact]
    public async Task Discover_DuplicateNames_MarksBothFiles()
    {
        using var project = new TempProject();
        project.Write("tools/a.yml", "tool:\n  name: same\n  source: {code: select 1}\n");
        project.Write("tools/sub/b.yml", "tool:\n  name: same\n  source: {code: select 2}\n");
        project.Write("resources/r1.yml", "resource:\n  uri: data://x\n  source: {code: select 1}\n");
        project.Write("resources/r2.yml", "resource:\n  uri: data://x\n  source: {code: select 1}\n");
        var files = await DiscoverAsync(project);
        Assert.Equal("tools/a.yml: Duplicate endpoint name 'same' found in: tools/a.yml, tools/sub/b.yml", files.Single(f => f.DisplayPath == "tools/a.yml").Error);
        Assert.NotNull(files.Single(f => f.DisplayPath == "tools/sub/b.yml").Error);
        Assert.Equal("resources/r2.yml: Duplicate endpoint URI 'data://x' found in: resources/r1.yml, resources/r2.yml", files.Single(f => f.DisplayPath == "resources/r2.yml").Error);
    }

    [Fact]
    public async Task Discover_DisabledAndMisplacedFiles_AreSkipped()
    {
        using var project = new TempProject();
        project.Write("tools/off.yml", "tool:\n  name: disabled_tool\n  enabled: false\n  source: {code: select 1}\n");
        project.Write("tools/prompt.yml", "prompt:\n  name: p\n  messages: [{prompt: hi}]\n");
        var files = await DiscoverAsync(project);
        Assert.Equal(["tools/off.yml", "tools/prompt.yml"], files.Select(f => f.DisplayPath));
        Assert.Null(files[0].Error);
        Assert.True(files[0].IsDisabled);
        Assert.False(files[0].IsValid);
        Assert.Null(files[1].Definition);
        Assert.Equal("tools/prompt.yml: no 'tool:' key; file skipped", files[1].Warning);
    }

    [Theory]
    [InlineData("", "tools/x.yml: Endpoint file is empty")]
    [InlineData("tool:\n  name: off\n  source: {code: select 1}\n",
        "tools/x.yml:2:9: tool.name: expected a string, got the boolean off (quote it to make it a string)")]
    [InlineData("tool:\n  name: x\n  parameters:\n    - name: 1abc\n      type: string\n  source: {code: select 1}\n",
        "tools/x.yml:4:13: tool.parameters[0].name: parameter name '1abc' must start with a letter or underscore")]
    [InlineData("tool:\n  name: x\n  parameters:\n    - name: a-b\n      type: string\n  source: {code: select 1}\n",
        "tools/x.yml:4:13: tool.parameters[0].name: parameter name 'a-b' must contain only alphanumeric characters or underscores")]
    [InlineData("tool:\n  name: x\n  parameters:\n    - name: a\n      type: strng\n  source: {code: select 1}\n",
        "tools/x.yml:5:13: tool.parameters[0].type: expected one of string, number, integer, boolean, array, object, got 'strng'")]
    [InlineData("tool:\n  name: x\n  source: {code: select 1, file: a.sql}\n",
        "tools/x.yml:3:11: tool.source: exactly one of 'code' or 'file' is required")]
    [InlineData("tool:\n  name: x\n  language: python\n  source: {code: 'return 1'}\n",
        "tools/x.yml:4:11: tool.source: Python endpoints must specify source.file")]
    [InlineData("tool:\n  name: x\n  parameters:\n    - name: a\n      type: integer\n      format: date\n  source: {code: select 1}\n",
        "tools/x.yml:6:15: tool.parameters[0].format: format applies to strings only, but the type is integer")]
    [InlineData("tool:\n  name: x\n  parameters:\n    - name: a\n      type: string\n      pattern: '[a-'\n  source: {code: select 1}\n",
        "tools/x.yml:6:16: tool.parameters[0].pattern: invalid regular expression:")]
    [InlineData("tool:\n  name: x\n  policies:\n    output:\n      - condition: 'true'\n        action: mask_fields\n  source: {code: select 1}\n",
        "tools/x.yml:5:9: tool.policies.output[0]: action 'mask_fields' needs a non-empty 'fields' list")]
    [InlineData("mxcp: 2\ntool:\n  name: x\n  source: {code: select 1}\n",
        "tools/x.yml:1:7: mxcp: unsupported endpoint file version the integer 2; write 'mxcp: 1'")]
    [InlineData("tool:\n  name: x\n  source: {code: select 1}\nresource:\n  uri: a://b\n  source: {code: select 1}\n",
        "tools/x.yml:1:1: exactly one of tool, resource or prompt is allowed, found tool and resource")]
    public async Task Discover_InvalidTool_ReportsLocatedError(string yaml, string expected)
    {
        using var project = new TempProject();
        project.Write("tools/x.yml", yaml);
        var file = Assert.Single(await DiscoverAsync(project));
        Assert.NotNull(file.Error);
        Assert.StartsWith(expected, file.Error);
    }

    [Fact]
    public async Task Discover_ResourceParameterNotInUri_IsAWarningWithTheReferenceMessage()
    {
        using var project = new TempProject();
        project.Write("resources/r.yml", "resource:\n  uri: orders://{id}\n  parameters:\n    - {name: id, type: string}\n    - {name: extra, type: string}\n  source: {code: select 1}\n");
        var file = Assert.Single(await DiscoverAsync(project));
        Assert.Null(file.Error);
        Assert.True(file.IsValid);
        Assert.Equal(["Resource parameter(s) ['extra'] are not used in uri 'orders://{id}'. Put them in the uri or make a 'tool:' instead."], file.Warnings);
    }

    [Fact]
    public async Task Discover_ResourceUriVariableWithoutParameter_IsAnError()
    {
        using var project = new TempProject();
        project.Write("resources/r.yml", "resource:\n  uri: orders://{id}/{line}\n  parameters:\n    - {name: id, type: string}\n  source: {code: select 1}\n");
        var file = Assert.Single(await DiscoverAsync(project));
        Assert.Equal("resources/r.yml:2:8: resource.uri: URI variable(s) {line} of 'orders://{id}/{line}' have no parameter; declare them under parameters", file.Error);
    }

    [Fact]
    public async Task Discover_SourcePaths_ResolveAgainstFileOrProjectRoot()
    {
        using var project = new TempProject();
        project.Write("tools/deep/a.yml", "tool:\n  name: a\n  source: {file: ../../sql/a.sql}\n");
        project.Write("tools/b.yml", "tool:\n  name: b\n  source: {file: /sql/b.sql}\n");
        project.Write("tools/c.yml", "tool:\n  name: c\n  source: {file: ../python/c.py}\n");
        var files = await DiscoverAsync(project);
        Assert.Equal(["tools/b.yml", "tools/c.yml", "tools/deep/a.yml"], files.Select(f => f.DisplayPath));
        Assert.Equal(Path.Combine(project.Root, "sql", "b.sql"), files[0].Definition!.Source!.FullPath);
        Assert.Equal("python", files[1].Definition!.Language);
        Assert.Equal(Path.Combine(project.Root, "sql", "a.sql"), files[2].Definition!.Source!.FullPath);
    }

    [Fact]
    public async Task Discover_Prompt_ReadsMessages()
    {
        using var project = new TempProject();
        project.Write("prompts/p.yml", "mxcp: \"1.0\"\nprompt:\n  name: explain\n  parameters:\n    - {name: topic, type: string}\n  messages:\n    - prompt: \"Explain {{ topic }}\"\n      role: system\n    - prompt: Go\n");
        var prompt = Assert.Single(await DiscoverAsync(project)).Definition!;
        Assert.Equal(EndpointKind.Prompt, prompt.Kind);
        Assert.Equal(new PromptMessageDefinition("Explain {{ topic }}", "system", null), prompt.Messages[0]);
        Assert.Null(prompt.Messages[1].Role);
        Assert.Null(prompt.Language);
    }
}
