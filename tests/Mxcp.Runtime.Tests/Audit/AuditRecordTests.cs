using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Tests.TestSupport;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary>What a server call leaves in the JSONL audit log: field names and values, redaction, errors, policies.</summary>
public sealed class AuditRecordTests
{
    private static readonly string[] ReferenceFields =
    [
        "schema_name", "schema_version", "record_id", "timestamp", "operation_type", "operation_name", "operation_status",
        "duration_ms", "caller_type", "user_id", "session_id", "trace_id", "input_data", "output_data", "error",
        "policies_evaluated", "policy_decision", "policy_reason", "business_context", "execution_events", "prev_hash",
        "record_hash", "signature",
    ];

    private const string EmployeeTool = """
        mxcp: 1
        tool:
          name: employee
          description: One employee.
          parameters:
            - {name: id, type: string, description: Id}
            - {name: password, type: string, sensitive: true, description: Password}
            - name: card
              type: object
              description: Card
              properties:
                number: {type: string, sensitive: true}
                holder: {type: string}
              default: {number: "0000", holder: "nobody"}
          return:
            type: object
            properties:
              id: {type: string}
              salary: {type: number, sensitive: true}
              email: {type: string}
              manager:
                type: object
                properties:
                  name: {type: string}
                  phone: {type: string, sensitive: true}
          source:
            code: '{"id": "e1", "salary": 95000.5, "email": "ann.smith@corp.example", "manager": {"name": "Bob", "phone": "+1 555 0100"}}'
        """;

    private static Dictionary<string, string> Files(params (string Path, string Yaml)[] files) => files.ToDictionary(f => f.Path, f => f.Yaml);

    [Fact]
    public async Task ToolCall_OverStdio_WritesOneRecordWithTheReferenceFields()
    {
        await using var harness = await AuditHarness.StartAsync("", Files(("tools/employee.yml", EmployeeTool)));
        var user = new UserContext { Provider = "github", UserId = "u-42", Username = "ann" };
        var result = await harness.CallAsync(EndpointKind.Tool, "employee", """{"id": "e1", "password": "hunter22"}""", user: user, sessionId: "session-1");
        Assert.True(result.Succeeded, result.Error);

        var record = Assert.Single(await harness.StopAndReadAsync());
        Assert.Equal(ReferenceFields, record.Select(p => p.Key));
        Assert.Equal("mxcp.endpoints", (string?)record["schema_name"]);
        Assert.Equal(2, (int?)record["schema_version"]);
        Assert.True(Guid.TryParse((string?)record["record_id"], out _));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$", (string?)record["timestamp"]);
        Assert.Equal("tool", (string?)record["operation_type"]);
        Assert.Equal("employee", (string?)record["operation_name"]);
        Assert.Equal("success", (string?)record["operation_status"]);
        Assert.True((long?)record["duration_ms"] >= 0);
        Assert.Equal("stdio", (string?)record["caller_type"]);
        Assert.Equal("u-42", (string?)record["user_id"]);
        Assert.Equal("session-1", (string?)record["session_id"]);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", (string?)record["trace_id"]);
        Assert.Null(record["error"]);
        Assert.Equal("[]", record["policies_evaluated"]!.ToJsonString());
        Assert.Null(record["policy_decision"]);
        Assert.Equal("""{"operation_type":"tool","operation_name":"employee","operation_status":"success"}""", record["business_context"]!.ToJsonString());
        Assert.Equal("[]", record["execution_events"]!.ToJsonString());
        Assert.Null(record["prev_hash"]);
        Assert.Null(record["record_hash"]);
        Assert.Null(record["signature"]);
    }

    [Fact]
    public async Task SensitiveParametersAndReturnFields_AreRedactedEverywhere()
    {
        await using var harness = await AuditHarness.StartAsync("", Files(("tools/employee.yml", EmployeeTool)));
        await harness.CallAsync(EndpointKind.Tool, "employee", """{"id": "e1", "password": "hunter22", "card": {"number": "4111111111111111", "holder": "Ann"}}""");

        var record = Assert.Single(await harness.StopAndReadAsync());
        Assert.Equal("""{"id":"e1","password":"[REDACTED]","card":{"number":"[REDACTED]","holder":"Ann"}}""", record["input_data"]!.ToJsonString());
        Assert.Equal(
            """{"id":"e1","salary":"[REDACTED]","email":"ann.smith@corp.example","manager":{"name":"Bob","phone":"[REDACTED]"}}""",
            record["output_data"]!.ToJsonString());
        var line = File.ReadAllText(Directory.GetFiles(harness.AuditDirectory, "logs-dev-*.jsonl").Single());
        Assert.DoesNotContain("hunter22", line, StringComparison.Ordinal);
        Assert.DoesNotContain("4111111111111111", line, StringComparison.Ordinal);
        Assert.DoesNotContain("95000.5", line, StringComparison.Ordinal);
        Assert.DoesNotContain("555 0100", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedCall_ErrorRecordedWithoutOutputAndWithoutTheSensitiveValue()
    {
        const string tool = """
            mxcp: 1
            tool:
              name: login
              description: Fails and echoes its arguments in the error, as drivers sometimes do.
              parameters:
                - {name: user, type: string, description: User}
                - {name: token, type: string, sensitive: true, description: Token}
              source: {code: "fail:could not log in with"}
            """;
        await using var harness = await AuditHarness.StartAsync("", Files(("tools/login.yml", tool)));
        var result = await harness.CallAsync(EndpointKind.Tool, "login", """{"user": "ann", "token": "s3cr3t-t0ken"}""");
        Assert.False(result.Succeeded);
        Assert.Equal("could not log in with ann,[REDACTED]", result.Error);

        var record = Assert.Single(await harness.StopAndReadAsync());
        Assert.Equal("error", (string?)record["operation_status"]);
        Assert.Null(record["output_data"]);
        Assert.Equal("could not log in with ann,[REDACTED]", (string?)record["error"]);
        Assert.Equal("error", (string?)record["business_context"]!["operation_status"]);
    }

    [Fact]
    public async Task LargeFields_ReplacedByAMarkerNamingTheLimit()
    {
        const string tool = """
            mxcp: 1
            tool:
              name: big
              description: Echoes a large argument.
              parameters:
                - {name: text, type: string, description: Text}
              return: {type: object, properties: {text: {type: string}}}
              source: {code: '{"text": "OUT"}'}
            """;
        await using var harness = await AuditHarness.StartAsync("max_field_size: 2048", Files(("tools/big.yml", tool)));
        var large = new string('x', 10_000);
        var result = await harness.CallAsync(EndpointKind.Tool, "big", $$"""{"text": "{{large}}"}""");
        Assert.True(result.Succeeded, result.Error);

        var record = Assert.Single(await harness.StopAndReadAsync());
        Assert.Equal("[TRUNCATED: 10011 bytes; audit records keep at most 2048 bytes per field (audit.max_field_size)]", (string?)record["input_data"]);
        Assert.Equal("""{"text":"OUT"}""", record["output_data"]!.ToJsonString());
        var line = File.ReadAllText(Directory.GetFiles(harness.AuditDirectory, "logs-dev-*.jsonl").Single());
        Assert.InRange(line.Length, 1, 8 * 1024);
    }

    [Theory]
    [InlineData(60_000, 100_000)]
    [InlineData(99_989, 100_000)]
    [InlineData(99_990, 100_000)]
    [InlineData(3_000_000, 2048)]
    public async Task LargeOutput_KeptWholeUpToTheLimit_MarkerWithTheExactSizeAbove(int length, int limit)
    {
        var text = new string('y', length);
        var tool = """
            mxcp: 1
            tool:
              name: big
              description: Returns a large object.
              return: {type: object, properties: {text: {type: string}}}
              source: {code: '{"text": "TEXT"}'}
            """.Replace("TEXT", text, StringComparison.Ordinal);
        await using var harness = await AuditHarness.StartAsync($"max_field_size: {limit}", Files(("tools/big.yml", tool)));
        var result = await harness.CallAsync(EndpointKind.Tool, "big", "{}");
        Assert.True(result.Succeeded, result.Error);

        var record = Assert.Single(await harness.StopAndReadAsync());
        var size = length + 11;
        if (size <= limit)
        {
            Assert.Equal(text, (string?)record["output_data"]!["text"]);
        }
        else
        {
            Assert.Equal($"[TRUNCATED: {size} bytes; audit records keep at most {limit} bytes per field (audit.max_field_size)]", (string?)record["output_data"]);
        }
    }

    [Fact]
    public async Task WrittenResult_RecordedAsItIs_RedactedInside_MarkerAboveTheLimit()
    {
        var rows = "[" + string.Join(",", Enumerable.Range(0, 200).Select(i => $$"""{"id": {{i}}, "email": "user{{i}}@corp.example", "note": "é \"q\" {{i}}"}""")) + "]";
        const string tool = """
            mxcp: 1
            tool:
              name: rows
              description: Rows, no return type.
              source: {code: 'ROWS'}
            """;
        var files = Files(("tools/rows.yml", tool.Replace("ROWS", rows, StringComparison.Ordinal)));
        var expected = JsonNode.Parse(rows)!.ToJsonString();

        await using (var plain = await AuditHarness.StartAsync("", files))
        {
            var result = await plain.CallAsync(EndpointKind.Tool, "rows", writesResultOnly: true);
            Assert.True(WrittenJson.TryGet(result.Value, out _), "a tool call without a return type gets written JSON");
            Assert.Equal(expected, Assert.Single(await plain.StopAndReadAsync())["output_data"]!.ToJsonString());
        }

        await using (var redacted = await AuditHarness.StartAsync("field_redactions:\n  - {field_path: email, strategy: email}", files))
        {
            await redacted.CallAsync(EndpointKind.Tool, "rows", writesResultOnly: true);
            var output = Assert.Single(await redacted.StopAndReadAsync())["output_data"]!.AsArray();
            Assert.Equal(200, output.Count);
            Assert.Equal("u***@corp.example", (string?)output[199]!["email"]);
            Assert.Equal("é \"q\" 199", (string?)output[199]!["note"]);
        }

        await using (var capped = await AuditHarness.StartAsync("max_field_size: 2048", files))
        {
            await capped.CallAsync(EndpointKind.Tool, "rows", writesResultOnly: true);
            Assert.Equal(
                $"[TRUNCATED: {System.Text.Encoding.UTF8.GetByteCount(expected)} bytes; audit records keep at most 2048 bytes per field (audit.max_field_size)]",
                (string?)Assert.Single(await capped.StopAndReadAsync())["output_data"]);
        }
    }

    [Fact]
    public async Task WritesResultOnly_ToolWithAReturnTypeOrOutputRules_GetsNodes()
    {
        const string typed = """
            mxcp: 1
            tool:
              name: typed
              description: Typed.
              return: {type: array, items: {type: object, properties: {a: {type: integer}}}}
              source: {code: '[{"a": 1}]'}
            """;
        const string guarded = """
            mxcp: 1
            tool:
              name: guarded
              description: Output rule.
              source: {code: '[{"a": 1}]'}
              policies:
                output:
                  - {condition: "false", action: deny, reason: never}
            """;
        await using var harness = await AuditHarness.StartAsync("", Files(("tools/typed.yml", typed), ("tools/guarded.yml", guarded)));

        Assert.IsType<JsonArray>((await harness.CallAsync(EndpointKind.Tool, "typed", writesResultOnly: true)).Value);
        Assert.IsType<JsonArray>((await harness.CallAsync(EndpointKind.Tool, "guarded", writesResultOnly: true)).Value);
        Assert.IsType<JsonArray>((await harness.CallAsync(EndpointKind.Tool, "guarded")).Value);
    }

    [Fact]
    public async Task TypedValues_SensitiveOnlyInsideArrayItems_RedactedThere_OtherTypedValuesRecordedAsTheyAre()
    {
        const string tool = """
            mxcp: 1
            tool:
              name: accounts
              description: Accounts.
              parameters:
                - name: filter
                  type: object
                  description: Filter
                  properties:
                    owners: {type: array, items: {type: object, properties: {name: {type: string}, token: {type: string, sensitive: true}}}}
                    region: {type: string}
                - {name: note, type: string, description: Note}
              return:
                type: array
                items:
                  type: object
                  properties:
                    id: {type: integer}
                    tags: {type: array, items: {type: string}}
                    keys: {type: array, items: {type: object, properties: {label: {type: string}, secret: {type: string, sensitive: true}}}}
              source:
                code: '[{"id": 1, "tags": ["é", "\\"], "keys": [{"label": "main", "secret": "s3cr3t-value"}]}, {"id": 2, "tags": [], "keys": []}]'
            """;
        const string plain = """
            mxcp: 1
            tool:
              name: plain
              description: Typed, nothing sensitive.
              parameters:
                - {name: filter, type: object, description: Filter, properties: {region: {type: string}, ids: {type: array, items: {type: integer}}}}
              return: {type: array, items: {type: object, properties: {id: {type: integer}, name: {type: string}}}}
              source: {code: '[{"id": 1, "name": "Zoë \"Z\""}, {"id": 2, "name": null}]'}
            """;
        await using var harness = await AuditHarness.StartAsync("", Files(("tools/accounts.yml", tool), ("tools/plain.yml", plain)));
        Assert.True((await harness.CallAsync(EndpointKind.Tool, "accounts", """{"filter": {"owners": [{"name": "Ann", "token": "tok-123456"}], "region": "eu"}, "note": "hi"}""")).Succeeded);
        Assert.True((await harness.CallAsync(EndpointKind.Tool, "plain", """{"filter": {"region": "eu", "ids": [1, 2]}}""")).Succeeded);

        var records = await harness.StopAndReadAsync();
        var accounts = records.Single(r => (string?)r["operation_name"] == "accounts");
        Assert.Equal("""{"filter":{"owners":[{"name":"Ann","token":"[REDACTED]"}],"region":"eu"},"note":"hi"}""", accounts["input_data"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""[{"id":1,"tags":["é","\\"],"keys":[{"label":"main","secret":"[REDACTED]"}]},{"id":2,"tags":[],"keys":[]}]"""),
            accounts["output_data"]), accounts["output_data"]!.ToJsonString());
        var typed = records.Single(r => (string?)r["operation_name"] == "plain");
        Assert.Equal("""{"filter":{"region":"eu","ids":[1,2]}}""", typed["input_data"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[{"id":1,"name":"Zoë \"Z\""},{"id":2,"name":null}]"""), typed["output_data"]), typed["output_data"]!.ToJsonString());
        var lines = File.ReadAllText(Directory.GetFiles(harness.AuditDirectory, "logs-dev-*.jsonl").Single());
        Assert.Contains("""[{"id":1,"name":"Zoë \"Z\""},{"id":2,"name":null}]""", lines, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-123456", lines, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value", lines, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidArguments_RecordedAsErrorWithTheRawArguments()
    {
        await using var harness = await AuditHarness.StartAsync("", Files(("tools/employee.yml", EmployeeTool)));
        await harness.CallAsync(EndpointKind.Tool, "employee", """{"id": {"nested": true}, "password": "hunter22"}""");

        var record = Assert.Single(await harness.StopAndReadAsync());
        Assert.Equal("error", (string?)record["operation_status"]);
        Assert.Equal("""{"id":{"nested":true},"password":"[REDACTED]"}""", record["input_data"]!.ToJsonString());
        Assert.StartsWith("Error validating parameter 'id'", (string?)record["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyDenial_RecordsDecisionReasonAndRules()
    {
        const string tool = """
            mxcp: 1
            tool:
              name: guarded
              description: Guarded.
              parameters:
                - {name: id, type: string, description: Id}
              source: {code: '{"id": "x"}'}
              policies:
                input:
                  - condition: "id == 'ceo'"
                    action: deny
                    reason: Only admins can view the CEO
            """;
        await using var harness = await AuditHarness.StartAsync("", Files(("tools/guarded.yml", tool)));
        await harness.CallAsync(EndpointKind.Tool, "guarded", """{"id": "ceo"}""");
        await harness.CallAsync(EndpointKind.Tool, "guarded", """{"id": "ann"}""");

        var records = await harness.StopAndReadAsync();
        Assert.Equal(2, records.Count);
        Assert.Equal("deny", (string?)records[0]["policy_decision"]);
        Assert.Equal("Only admins can view the CEO", (string?)records[0]["policy_reason"]);
        Assert.Equal("""["input[0]: id == 'ceo'"]""", records[0]["policies_evaluated"]!.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Assert.Equal("deny", (string?)records[0]["business_context"]!["policy_decision"]);
        Assert.Equal("allow", (string?)records[1]["policy_decision"]);
        Assert.Equal("success", (string?)records[1]["operation_status"]);
    }

    [Fact]
    public async Task ResourceRead_NamedByItsUri()
    {
        const string resource = """
            mxcp: 1
            resource:
              uri: data://items/{item_id}
              description: An item.
              parameters:
                - {name: item_id, type: integer, description: Id}
              return: {type: object, properties: {item_id: {type: integer}}}
              source: {code: '{"item_id": 5}'}
            """;
        await using var harness = await AuditHarness.StartAsync("", Files(("resources/item.yml", resource)));
        await harness.CallAsync(EndpointKind.Resource, "data://items/{item_id}", """{"item_id": 5}""");

        var record = Assert.Single(await harness.StopAndReadAsync());
        Assert.Equal("resource", (string?)record["operation_type"]);
        Assert.Equal("data://items/{item_id}", (string?)record["operation_name"]);
        Assert.Equal("""{"item_id":5}""", record["output_data"]!.ToJsonString());
    }

    [Fact]
    public async Task PromptCall_RecordsRenderedMessagesWithSensitiveValuesCutOut()
    {
        const string prompt = """
            mxcp: 1
            prompt:
              name: greet
              description: Greets.
              parameters:
                - {name: name, type: string, description: Name}
                - {name: code, type: string, sensitive: true, description: Code}
              messages:
                - role: user
                  prompt: "Hello {{ name }}, your code is {{ code }}."
            """;
        await using var harness = await AuditHarness.StartAsync("", Files(("prompts/greet.yml", prompt)));
        await harness.CallAsync(EndpointKind.Prompt, "greet", """{"name": "Ann", "code": "K9-1234"}""");

        var record = Assert.Single(await harness.StopAndReadAsync());
        Assert.Equal("prompt", (string?)record["operation_type"]);
        Assert.Equal("""[{"role":"user","content":"Hello Ann, your code is [REDACTED]."}]""", record["output_data"]!.ToJsonString());
    }

    [Fact]
    public async Task BuiltInSqlTool_AuditedWithoutOutput()
    {
        var sql = new JsonSqlProvider
        {
            BuiltIns =
            [
                new EndpointDefinition
                {
                    Kind = EndpointKind.Tool,
                    Name = "execute_sql_query",
                    Language = "sql",
                    IsBuiltIn = true,
                    Parameters = [new ParameterDefinition("sql", new TypeSchema { Type = SchemaType.String })],
                },
            ],
        };
        await using var harness = await AuditHarness.StartAsync("", Files(), sql);
        var result = await harness.CallAsync(EndpointKind.Tool, "execute_sql_query", """{"sql": "select 1"}""");
        Assert.True(result.Succeeded, result.Error);

        var record = Assert.Single(await harness.StopAndReadAsync());
        Assert.Equal("execute_sql_query", (string?)record["operation_name"]);
        Assert.Equal("""{"sql":"select 1"}""", record["input_data"]!.ToJsonString());
        Assert.Null(record["output_data"]);
    }

    [Theory]
    [InlineData("streamable-http", "http")]
    [InlineData("sse", "http")]
    [InlineData("stdio", "stdio")]
    public async Task CallerType_FollowsTheTransport(string transport, string callerType)
    {
        await using var harness = await AuditHarness.StartAsync("", Files(("tools/employee.yml", EmployeeTool)));
        await harness.CallAsync(EndpointKind.Tool, "employee", """{"id": "e1", "password": "p"}""", transport);
        Assert.Equal(callerType, (string?)Assert.Single(await harness.StopAndReadAsync())["caller_type"]);
    }

    [Theory]
    [InlineData("cli")]
    [InlineData("cli-test")]
    public async Task CommandLineCalls_AreNotAudited(string transport)
    {
        await using var harness = await AuditHarness.StartAsync("", Files(("tools/employee.yml", EmployeeTool)));
        await harness.CallAsync(EndpointKind.Tool, "employee", """{"id": "e1", "password": "p"}""", transport);
        Assert.Empty(await harness.StopAndReadAsync());
    }

    [Fact]
    public async Task FieldRedactions_ApplyToInputAndToEveryRowOfTheOutput()
    {
        const string tool = """
            mxcp: 1
            tool:
              name: people
              description: Rows.
              parameters:
                - {name: email, type: string, description: Filter}
              return:
                type: array
                items: {type: object, properties: {email: {type: string}, card: {type: string}, note: {type: string}}}
              source:
                code: '[{"email": "ann.smith@corp.example", "card": "4111111111111111", "note": "a very long note text"}, {"email": "bo@x.org", "card": "55", "note": "short"}]'
            """;
        const string audit = """
            field_redactions:
              - {field_path: email, strategy: email}
              - {field_path: card, strategy: partial, options: {show_first: 0, show_last: 4}}
              - {field_path: note, strategy: truncate, options: {length: 6}}
            """;
        await using var harness = await AuditHarness.StartAsync(audit, Files(("tools/people.yml", tool)));
        await harness.CallAsync(EndpointKind.Tool, "people", """{"email": "ann.smith@corp.example"}""");

        var record = Assert.Single(await harness.StopAndReadAsync());
        Assert.Equal("""{"email":"a***@corp.example"}""", record["input_data"]!.ToJsonString());
        Assert.Equal(
            """[{"email":"a***@corp.example","card":"***1111","note":"a very..."},{"email":"***@x.org","card":"[REDACTED]","note":"short"}]""",
            record["output_data"]!.ToJsonString());
        var schemaLine = File.ReadAllLines(Path.Combine(harness.AuditDirectory, "logs-dev_schemas.jsonl")).Single();
        Assert.Contains("""{"field_path":"card","strategy":"partial","options":{"show_first":0,"show_last":4}}""", schemaLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyConcurrentCalls_EachHasExactlyOneRecordInTimeOrder()
    {
        const string tool = """
            mxcp: 1
            tool:
              name: echo
              description: Echo.
              parameters:
                - {name: n, type: integer, description: N}
              source: {code: '{"ok": true}'}
            """;
        await using var harness = await AuditHarness.StartAsync("", Files(("tools/echo.yml", tool)));
        await Parallel.ForAsync(0, 2000, TestContext.Current.CancellationToken, async (i, _) =>
            Assert.True((await harness.CallAsync(EndpointKind.Tool, "echo", $$"""{"n": {{i}}}""")).Succeeded));

        var records = await harness.StopAndReadAsync();
        Assert.Equal(Enumerable.Range(0, 2000), records.Select(r => (int)r["input_data"]!["n"]!).Order());
        var stamps = records.Select(r => DateTimeOffset.Parse((string)r["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(stamps.Zip(stamps.Skip(1)).All(p => p.First < p.Second), "timestamps of one segment strictly increase");
    }
}
