using System.Text.Json.Nodes;
using Mxcp.Runtime.Templates;
using static Mxcp.Runtime.Tests.Templates.TemplateAssert;

namespace Mxcp.Runtime.Tests.Templates;

/// <summary>
/// Whole prompts as MXCP projects write them. YAML block scalars end with a newline, which Jinja2 drops
/// (keep_trailing_newline is off), so the rendered prompt does not end with one.
/// </summary>
public sealed class PromptRenderingTests
{
    private const string SalesPrompt = """
        You are a sales analyst for {{ company | default('ACME') }}.
        {% if customers -%}
        Top {{ customers | length }} customers by revenue:
        {% for c in customers | sort(attribute='revenue', reverse=true) -%}
        {{ loop.index }}. {{ c.name | title }} <{{ c.email | lower }}>: {{ '%.2f' | format(c.revenue) }} USD{% if c.vip %} [VIP]{% endif %}
        {% endfor -%}
        {% else -%}
        No customers found.
        {% endif -%}
        Focus on {{ regions | join(', ') }} between {{ start }} and {{ end }}.

        """;

    private static readonly JinjaTemplate Sales = JinjaTemplate.Parse(SalesPrompt);

    private static Dictionary<string, object?> SalesArguments(object?[] customers) => new()
    {
        ["customers"] = customers,
        ["regions"] = new object?[] { "EMEA", "APAC" },
        ["start"] = new DateOnly(2024, 1, 1),
        ["end"] = new DateOnly(2024, 3, 31),
    };

    private static readonly object?[] Customers =
    [
        Dict(("name", "ada lovelace"), ("email", "ADA@Example.com"), ("revenue", 1234.5), ("vip", true)),
        Dict(("name", "alan turing"), ("email", "alan@example.com"), ("revenue", 99.999), ("vip", false)),
        Dict(("name", "grace hopper"), ("email", "Grace@Navy.mil"), ("revenue", 5000L), ("vip", true)),
    ];

    [Fact]
    public void Render_SalesPromptWithCustomers_RendersRankedList() =>
        Assert.Equal(
            "You are a sales analyst for ACME.\n"
            + "Top 3 customers by revenue:\n"
            + "1. Grace Hopper <grace@navy.mil>: 5000.00 USD [VIP]\n"
            + "2. Ada Lovelace <ada@example.com>: 1234.50 USD [VIP]\n"
            + "3. Alan Turing <alan@example.com>: 100.00 USD\n"
            + "Focus on EMEA, APAC between 2024-01-01 and 2024-03-31.",
            Sales.Render(SalesArguments(Customers)));

    [Fact]
    public void Render_SalesPromptWithoutCustomers_RendersElseBranch() =>
        Assert.Equal(
            "You are a sales analyst for ACME.\nNo customers found.\nFocus on EMEA, APAC between 2024-01-01 and 2024-03-31.",
            Sales.Render(SalesArguments([])));

    [Fact]
    public void Render_SalesPromptFromJsonArguments_RendersTheSame()
    {
        var json = JsonNode.Parse("""
            [{"name": "ada lovelace", "email": "ADA@Example.com", "revenue": 1234.5, "vip": true},
             {"name": "alan turing", "email": "alan@example.com", "revenue": 99.999, "vip": false},
             {"name": "grace hopper", "email": "Grace@Navy.mil", "revenue": 5000, "vip": true}]
            """);
        var arguments = SalesArguments([]);
        arguments["customers"] = json;
        Assert.Equal(Sales.Render(SalesArguments(Customers)), Sales.Render(arguments));
    }

    [Fact]
    public void UndeclaredVariables_SalesPrompt_AreTheParameters() =>
        Assert.Equal(["company", "customers", "end", "regions", "start"], Sales.UndeclaredVariables);

    [Fact]
    public void Render_ChatStylePrompt_RendersParagraphsAndOptionalSections() =>
        Renders(
            "Answer the question below in French.\n\nQuestion: What is MXCP?\n\nUse these facts:\n- It serves YAML tools.\n- It speaks MCP.\n",
            """
            Answer the question below{% if language %} in {{ language|capitalize }}{% endif %}.

            Question: {{ question|trim }}
            {% if facts %}
            Use these facts:
            {% for fact in facts %}- {{ fact }}
            {% endfor %}{% endif %}

            """,
            ("language", "french"), ("question", "  What is MXCP?  "), ("facts", List("It serves YAML tools.", "It speaks MCP.")));

    [Fact]
    public void Render_ConcurrentRendersOfOneTemplate_DoNotInterfere()
    {
        var template = JinjaTemplate.Parse("{% for i in range(n) %}{% set sq = i * i %}{{ name }}{{ sq }}{% if not loop.last %},{% endif %}{% endfor %}");
        var failures = 0;
        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var n = i % 7;
            var expected = string.Join(",", Enumerable.Range(0, n).Select(k => $"u{i}{k * k}"));
            var actual = template.Render(new Dictionary<string, object?> { ["n"] = n, ["name"] = $"u{i}" });
            if (actual != expected)
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void Render_SameTemplateTwice_GivesSameResult()
    {
        var arguments = SalesArguments(Customers);
        Assert.Equal(Sales.Render(arguments), Sales.Render(arguments));
    }
}
