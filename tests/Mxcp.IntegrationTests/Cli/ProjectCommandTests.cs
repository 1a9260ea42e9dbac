using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Cli;

/// <summary>list, validate, run and query against a copy of samples/sales.</summary>
public sealed class ProjectCommandTests(SalesSampleFixture sample) : IClassFixture<SalesSampleFixture>
{
    private TestProject Project => sample.Project;

    [Fact]
    public void List_JsonOutput_HasTheReferenceShape()
    {
        var result = Project.Run("list", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json;
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.Equal("ok", json.GetProperty("result").GetProperty("status").GetString());
        var endpoints = json.GetProperty("result").GetProperty("endpoints").EnumerateArray().ToList();
        Assert.Contains(endpoints, e => e.GetProperty("path").GetString() == Path.Combine(Project.Root, "tools", "top_products.yml")
            && e.GetProperty("kind").GetString() == "tool" && e.GetProperty("name").GetString() == "top_products"
            && e.GetProperty("error").GetString() == "");
        Assert.Contains(endpoints, e => e.GetProperty("kind").GetString() == "resource" && e.GetProperty("name").GetString() == "sales://customers/{customer_id}");
        Assert.Contains(endpoints, e => e.GetProperty("kind").GetString() == "prompt" && e.GetProperty("name").GetString() == "customer_review");
    }

    [Fact]
    public void List_Human_GroupsByKind()
    {
        var result = Project.Run("list");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Tools (5):", result.Stdout);
        Assert.Contains("  ✓ top_products  (tools/top_products.yml)", result.Stdout);
        Assert.Contains("Resources (2):", result.Stdout);
        Assert.Contains("Prompts (1):", result.Stdout);
    }

    [Fact]
    public void Validate_Sample_AllOkExit0()
    {
        var result = Project.Run("validate", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        var validated = result.Json.GetProperty("result").GetProperty("validated").EnumerateArray().ToList();
        Assert.Equal(8, validated.Count);
        Assert.All(validated, v => Assert.Equal("ok", v.GetProperty("status").GetString()));
    }

    [Fact]
    public void Validate_OneFile_ReportsThatFile()
    {
        var result = Project.Run("validate", "tools/get_customer.yml", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("""{"status":"ok","path":"tools/get_customer.yml"}""", Compact(result.Json.GetProperty("result")));
    }

    [Fact]
    public void Run_Tool_ReturnsRowsInTheEnvelope()
    {
        var result = Project.Run("run", "tool", "top_products", "--param", "since=2024-01-01", "--param", "limit=3", "--param", "category=tools", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = result.Json.GetProperty("result").EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal("tools", r.GetProperty("category").GetString()));
        Assert.True(rows[0].GetProperty("revenue").GetDouble() >= rows[1].GetProperty("revenue").GetDouble());
    }

    [Fact]
    public void Run_Tool_HumanOutputIsATable()
    {
        var result = Project.Run("run", "tool", "search_customers", "--param", "country=DE", "--param", "limit=2");
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n');
        Assert.StartsWith("customer_id | name", lines[0]);
        Assert.Equal("(2 rows)", lines[^2]);
    }

    [Fact]
    public void Run_InvalidParameter_Exit1WithMessage()
    {
        var result = Project.Run("run", "tool", "top_products", "--param", "since=2024-01-01", "--param", "limit=0", "--json-output");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("""{"status":"error","error":"Error validating parameter 'limit': Value must be >= 1"}""", Compact(result.Json));
    }

    [Fact]
    public void Run_PatternIsEnforced()
    {
        var result = Project.Run("run", "tool", "search_customers", "--param", "country=germany");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: Error validating parameter 'country': String does not match pattern '^[A-Z]{2}$'", result.Stderr.Trim());
    }

    [Fact]
    public void Run_ObjectTool_ShapesOneRow()
    {
        var result = Project.Run("run", "tool", "order_details", "--param", "order_id=7", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        var order = result.Json.GetProperty("result");
        Assert.Equal(7, order.GetProperty("order_id").GetInt32());
        Assert.Equal(JsonValueKind.Array, order.GetProperty("lines").ValueKind);
        Assert.Equal(1, order.GetProperty("lines")[0].GetProperty("line").GetInt32());
    }

    [Fact]
    public void Run_ObjectToolWithoutRow_SaysNoResults()
    {
        var result = Project.Run("run", "tool", "order_details", "--param", "order_id=999999");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: No results returned", result.Stderr.Trim());
    }

    [Fact]
    public void Run_ResourceTemplate_BindsUriVariables()
    {
        var result = Project.Run("run", "resource", "sales://customers/42", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(42, result.Json.GetProperty("result").GetProperty("customer_id").GetInt32());
    }

    [Fact]
    public void Run_Prompt_RendersMessages()
    {
        var result = Project.Run("run", "prompt", "customer_review", "--param", "customer_id=42", "--param", "focus=[\"churn\",\"pricing\"]", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        var messages = result.Json.GetProperty("result").EnumerateArray().ToList();
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Equal("Review customer 42.\nKeep it under 100 words.\nCover:\n1. Churn\n2. Pricing\n", messages[1].GetProperty("prompt").GetString());
    }

    [Fact]
    public void Run_UnknownEndpoint_Exit1()
    {
        var result = Project.Run("run", "tool", "nope", "--json-output");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("""{"status":"error","error":"Endpoint not found: tool/nope"}""", Compact(result.Json));
    }

    [Fact]
    public void Query_Select42_JsonRows()
    {
        var result = Project.Run("query", "select 42 as answer", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("""{"status":"ok","result":[{"answer":42}]}""", Compact(result.Json));
    }

    [Fact]
    public void Query_Parameters_AreBound()
    {
        var result = Project.Run("query", "select name from customers where customer_id = $id::INTEGER", "--param", "id=42", "--json-output");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Single(result.Json.GetProperty("result").EnumerateArray());
    }

    [Fact]
    public void Query_SqlError_Exit1WithDuckDbMessage()
    {
        var result = Project.Run("query", "select * from no_such_table");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Error: ", result.Stderr);
        Assert.Contains("no_such_table", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Fact]
    public void Query_Debug_ShowsTheStackTrace()
    {
        var result = Project.Run("query", "select * from no_such_table", "--debug");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("   at ", result.Stderr);
    }

    [Fact]
    public void Query_HumanOutput_LimitsTo100Rows()
    {
        var result = Project.Run("query", "select * from range(150)");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("(150 rows)", result.Stdout);
        Assert.Contains("Showing the first 100 rows; use --json-output for all of them.", result.Stdout);
    }

    private static string Compact(JsonElement e) => JsonSerializer.Serialize(e, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
