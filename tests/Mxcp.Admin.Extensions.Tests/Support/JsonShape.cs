using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Admin.Extensions.Tests.Support;

/// <summary>
/// Golden files for wire shapes: the field names and JSON types of a response (values vary between runs, names and
/// types must not). Set MXCP_UPDATE_GOLDEN=1 to rewrite the files in the source tree after a deliberate change.
/// </summary>
internal static class JsonShape
{
    public static string Of(JsonElement element) => Shape(element).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public static void AssertMatches(string name, JsonElement actual)
    {
        var shape = Of(actual);
        var source = Path.Combine(SourceFolder(), "Golden", name + ".json");
        if (Environment.GetEnvironmentVariable("MXCP_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(source, shape + "\n");
            return;
        }

        var golden = Path.Combine(AppContext.BaseDirectory, "Golden", name + ".json");
        Assert.True(File.Exists(golden), $"No golden file {name}.json; run once with MXCP_UPDATE_GOLDEN=1 and review it. Shape:\n{shape}");
        Assert.Equal(File.ReadAllText(golden).TrimEnd(), shape);
    }

    private static JsonNode Shape(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => new JsonObject(e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Name, (JsonNode?)Shape(p.Value)))),
        JsonValueKind.Array => e.GetArrayLength() == 0 ? new JsonArray() : new JsonArray(Shape(e[0])),
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static string SourceFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mxcp.Admin.Extensions.Tests.csproj")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the test project folder");
    }
}
