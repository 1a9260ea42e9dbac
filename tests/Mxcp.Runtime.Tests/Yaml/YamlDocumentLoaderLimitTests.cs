using System.Text;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Tests.Yaml;

/// <summary>Hostile YAML: recursive aliases, alias bombs, deep nesting and huge documents end as errors naming the file.</summary>
public sealed class YamlDocumentLoaderLimitTests
{
    [Fact]
    public void Load_TagThatIsNoValidUri_IsAnErrorNamingTheFile()
    {
        // Found by EndpointFileFuzzTests (seed 5ui8k6vs_cD1): YamlDotNet throws ArgumentException building the tag.
        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.Load("!!bin[ary mxcp: 1\nresource:\n  uri: x\n", "tools/fuzz.yml"));

        Assert.StartsWith("tools/fuzz.yml:1:1: invalid YAML: a tag after this point is not valid (Global tags must be valid URIs.)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AliasInsideItsOwnAnchor_IsAnErrorNamingFileAndLine()
    {
        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.Load("mxcp: 1\ntool: &t {name: rec, self: *t}\n", "tools/rec.yml"));

        Assert.Equal("tools/rec.yml", e.File);
        Assert.Equal(2, e.Line);
        Assert.Contains("alias '*t' refers to the node that contains it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AliasInsideItsOwnAnchoredSequence_IsAnError()
    {
        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.Load("a: &x\n  - 1\n  - [2, *x]\n", "x.yml"));

        Assert.Equal(3, e.Line);
        Assert.Contains("'*x'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(8, 3)]
    [InlineData(9, 8)]
    [InlineData(40, 0)]
    [InlineData(40, 39)]
    public void Load_DuplicateKey_IsAnErrorNamingKeyAndLineInMappingsOfAnySize(int keys, int repeated)
    {
        var yaml = new StringBuilder("tool:\n");
        for (var i = 0; i < keys; i++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  k{i}: {i}\n");
        }

        yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  k{repeated}: again\n  after: 1\n");

        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.Load(yaml.ToString(), "tools/dup.yml"));

        Assert.Equal(keys + 2, e.Line);
        Assert.Contains($"duplicate key 'k{repeated}'", e.Message, StringComparison.Ordinal);
        var distinct = Assert.IsType<YamlMapping>(YamlDocumentLoader.Load(yaml.ToString().Replace($"  k{repeated}: again", "  other: again", StringComparison.Ordinal), "tools/ok.yml"));
        Assert.Equal(keys + 2, Assert.IsType<YamlMapping>(distinct.Entries[0].Value).Entries.Count);
    }

    [Fact]
    public void Load_UnknownAlias_IsAnErrorNamingTheAlias()
    {
        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.Load("a: *nowhere\n", "x.yml"));

        Assert.Equal(1, e.Line);
        Assert.Contains("alias '*nowhere' has no anchor before it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BillionLaughs_IsRefusedByTheNodeLimit()
    {
        var yaml = BillionLaughs(levels: 10, width: 10);

        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.Load(yaml, "tools/bomb.yml"));

        Assert.Equal("tools/bomb.yml", e.File);
        Assert.True(e.Line > 1);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"more than {YamlLimits.MaxNodes:N0} nodes"), e.Message, StringComparison.Ordinal);
        Assert.Contains("aliases included", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AliasesWithinTheLimit_AreExpanded()
    {
        var node = YamlDocumentLoader.Load("base: &b {type: string}\na: *b\nb: [*b, *b]\n", "x.yml");

        var json = YamlJson.ToNode(node)!.ToJsonString();
        Assert.Equal("""{"base":{"type":"string"},"a":{"type":"string"},"b":[{"type":"string"},{"type":"string"}]}""", json);
    }

    [Fact]
    public void Load_NestingDeeperThanTheLimit_IsAnErrorAtTheDeepestLine()
    {
        var depth = YamlLimits.MaxDepth + 1;
        var yaml = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            yaml.Append(' ', i * 2).Append('k').Append(i).Append(":\n");
        }

        yaml.Append(' ', depth * 2).Append("v\n");

        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.Load(yaml.ToString(), "deep.yml"));

        Assert.Contains($"nested more than {YamlLimits.MaxDepth} levels", e.Message, StringComparison.Ordinal);
        Assert.Equal(YamlLimits.MaxDepth + 1, e.Line);
    }

    [Fact]
    public void Load_HugeFlowNesting_IsAnErrorNotAStackOverflow()
    {
        var yaml = new string('[', 200_000) + new string(']', 200_000);

        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.Load(yaml, "flow.yml"));

        Assert.Contains("nested more than", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AliasThatDeepensTheTree_CountsTheExpandedDepth()
    {
        // Each level nests the previous anchor one level deeper: 40 anchors of depth 3 exceed 64 once expanded.
        var yaml = new StringBuilder("l0: &a0 [[x]]\n");
        for (var i = 1; i < 40; i++)
        {
            yaml.Append('l').Append(i).Append(": &a").Append(i).Append(" [[*a").Append(i - 1).Append("]]\n");
        }

        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.Load(yaml.ToString(), "x.yml"));

        Assert.Contains($"nested more than {YamlLimits.MaxDepth} levels", e.Message, StringComparison.Ordinal);
        Assert.Contains("aliases included", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_LargerThanTheLimit_IsAnErrorWithItsSize()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var stream = File.OpenWrite(path))
            {
                stream.SetLength(YamlLimits.MaxDocumentBytes + 1);
            }

            var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.LoadFile(path, "tools/big.yml"));

            Assert.Equal("tools/big.yml", e.File);
            Assert.Contains($"larger than {YamlLimits.MaxDocumentBytes / (1024 * 1024)} MiB", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_LaterDocumentWithSyntaxError_IsStillReported()
    {
        var e = Assert.Throws<ProjectFileException>(() => YamlDocumentLoader.Load("a: 1\n---\nb: [1, 2\n", "x.yml"));

        Assert.Contains("invalid YAML", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TaggedAndQuotedScalars_KeepTheirMeaning()
    {
        var node = (YamlMapping)YamlDocumentLoader.Load("a: !!str 1\nb: '2'\nc: 3\nd: ~\n", "x.yml")!;

        Assert.Equal(YamlScalarKind.String, ((YamlScalar)node["a"]!).Kind);
        Assert.Equal(YamlScalarKind.String, ((YamlScalar)node["b"]!).Kind);
        Assert.Equal(YamlScalarKind.Int, ((YamlScalar)node["c"]!).Kind);
        Assert.Equal(YamlScalarKind.Null, ((YamlScalar)node["d"]!).Kind);
    }

    internal static string BillionLaughs(int levels, int width)
    {
        var yaml = new StringBuilder("mxcp: 1\nl0: &l0 \"lol\"\n");
        for (var i = 1; i < levels; i++)
        {
            yaml.Append('l').Append(i).Append(": &l").Append(i).Append(" [");
            for (var j = 0; j < width; j++)
            {
                yaml.Append(j == 0 ? "" : ", ").Append("*l").Append(i - 1);
            }

            yaml.Append("]\n");
        }

        return yaml.ToString();
    }
}
