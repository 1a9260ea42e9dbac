using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Configuration;

/// <summary>Checks the <c>mxcp:</c> version key of configuration files.</summary>
internal static class LegacyVersion
{
    /// <summary>
    /// What to change in a file of a pre-release MXCP (a string version such as <c>"1.0.0"</c>): the version, and for
    /// the project file the folder layout, which used to keep every endpoint in <c>endpoints/</c>.
    /// </summary>
    public static string MigrationMessage(string version, string fileKind)
    {
        var message =
            $"🚨 MIGRATION REQUIRED: '{version}' is a legacy version string from a pre-release MXCP. This {fileKind} format is version 1.\n" +
            $"  1. Write the version as an integer: change 'mxcp: \"{version}\"' to 'mxcp: 1'.\n";
        if (fileKind != "mxcp-site.yml")
        {
            return message + "  Projects of that release may also need their files moved to the current folder layout (see mxcp-site.yml).";
        }

        return message +
            "  2. Move the files into the current layout. The old one kept tools, resources and prompts together in endpoints/,\n" +
            "     and the drift, audit and database files in the project root.\n" +
            "     NEW structure:\n" +
            "       tools/          tool definitions (YAML)\n" +
            "       resources/      resource definitions (YAML)\n" +
            "       prompts/        prompt definitions (YAML)\n" +
            "       evals/          eval suites (YAML)\n" +
            "       python/         Python code\n" +
            "       sql/            SQL files, referenced from the YAML files as ../sql/<file>.sql\n" +
            "       drift/          drift snapshots (drift-<profile>.json)\n" +
            "       audit/          audit logs (logs-<profile>.jsonl)\n" +
            "       data/           databases (db-<profile>.duckdb)\n" +
            "       mxcp-site.yml   the project configuration";
    }

    public static int Read(YamlMappingReader reader, string fileKind)
    {
        var node = reader.Get("mxcp");
        if (node is null)
        {
            return 1;
        }

        if (node is YamlScalar { Kind: YamlScalarKind.String } legacy)
        {
            throw reader.Error(node, "mxcp", MigrationMessage(legacy.Value, fileKind));
        }

        var version = reader.AsInt(node, "mxcp");
        if (version != 1)
        {
            throw reader.Error(node, "mxcp", $"unsupported version {version}; this release reads version 1");
        }

        return version;
    }
}
