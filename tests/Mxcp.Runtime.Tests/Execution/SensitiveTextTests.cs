using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Tests.TestSupport;

namespace Mxcp.Runtime.Tests.Execution;

public sealed class SensitiveTextTests
{
    [Theory]
    [InlineData("Could not convert string 'hunter2' to INT32", "Could not convert string '[REDACTED]' to INT32")]
    [InlineData("value: \"hunter2\"", "value: \"[REDACTED]\"")]
    [InlineData("HUNTER2 hunter", "HUNTER2 hunter")]
    public void Scrub_Value_IsReplaced(string text, string expected)
    {
        Assert.Equal(expected, SensitiveText.Of(["hunter2"]).Scrub(text));
    }

    [Theory]
    [InlineData("SQL: 'o''hunter\\7'")]
    [InlineData("Python: 'o\\'hunter\\\\7'")]
    [InlineData("JSON: \"o'hunter\\\\7\"")]
    [InlineData("JSON: \"o\\u0027hunter\\\\7\"")]
    [InlineData("raw: o'hunter\\7")]
    public void Scrub_QuotedForms_AreReplacedToo(string text)
    {
        var scrubbed = SensitiveText.Of(["o'hunter\\7"]).Scrub(text);

        Assert.DoesNotContain("hunter", scrubbed, StringComparison.Ordinal);
        Assert.Contains("[REDACTED]", scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_ShortValues_AreNotScrubbed()
    {
        Assert.True(SensitiveText.Of(["ab", ""]).IsEmpty);
        Assert.Equal("ab 12", SensitiveText.Of(["ab"]).Scrub("ab 12"));
    }

    [Fact]
    public void OfArguments_CollectsSensitiveParametersAndNestedFields()
    {
        var parameters = new[]
        {
            new ParameterDefinition("user", new TypeSchema { Type = SchemaType.String }),
            new ParameterDefinition("pin", new TypeSchema { Type = SchemaType.Integer, Sensitive = true }),
            new ParameterDefinition(
                "card",
                new TypeSchema
                {
                    Type = SchemaType.Object,
                    Properties = new Dictionary<string, TypeSchema>
                    {
                        ["number"] = new() { Type = SchemaType.String, Sensitive = true },
                        ["holder"] = new() { Type = SchemaType.String },
                    },
                }),
        };
        var arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"user":"ann-public","pin":123456,"card":{"number":"4111-1111","holder":"Ann Holder"}}""")!;

        var sensitive = SensitiveText.OfArguments(parameters, arguments);

        Assert.Equal(["123456", "4111-1111"], sensitive.Values.Order(StringComparer.Ordinal));
        Assert.Equal("ann-public [REDACTED] [REDACTED] Ann Holder", sensitive.Scrub("ann-public 123456 4111-1111 Ann Holder"));
    }

    [Fact]
    public void LoggerFactory_OfAHostWithMxcp_ScrubsMessagesValuesAndExceptions()
    {
        var recorder = new RecordingLoggerFactory();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(recorder));
        services.AddMxcpCore();
        using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<SensitiveTextRegistry>();
        var logger = provider.GetRequiredService<ILogger<SensitiveTextTests>>();
        registry.AddSecrets(SensitiveText.Of(["tok-secret-1"]));

        using (registry.Track(SensitiveText.Of(["hunter2"])))
        {
            logger.LogWarning(new InvalidOperationException("bad hunter2"), "Call failed with {Pin} and {Token}", "hunter2", "tok-secret-1");
        }

        logger.LogWarning("after the call: hunter2, tok-secret-1");

        var messages = recorder.Messages.Select(m => m.Message).ToList();
        Assert.Equal("Call failed with [REDACTED] and [REDACTED]", messages[0]);
        Assert.Equal("after the call: hunter2, [REDACTED]", messages[1]);
    }
}
