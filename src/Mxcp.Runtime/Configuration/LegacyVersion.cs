using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Configuration;

/// <summary>Checks the <c>mxcp:</c> version key of configuration files.</summary>
internal static class LegacyVersion
{
    public static int Read(YamlMappingReader reader, string fileKind)
    {
        var node = reader.Get("mxcp");
        if (node is null)
        {
            return 1;
        }

        if (node is YamlScalar { Kind: YamlScalarKind.String } legacy)
        {
            throw reader.Error(node, "mxcp",
                $"'{legacy.Value}' is a legacy version string. This {fileKind} format is version 1: write 'mxcp: 1' (an integer). " +
                "Projects from before version 1 also kept every endpoint in one 'endpoints/' folder; move tools, resources and " +
                "prompts into 'tools/', 'resources/' and 'prompts/' (see the MXCP migration guide).");
        }

        var version = reader.AsInt(node, "mxcp");
        if (version != 1)
        {
            throw reader.Error(node, "mxcp", $"unsupported version {version}; this release reads version 1");
        }

        return version;
    }
}
