using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Cli.Output;

/// <summary>The <c>--json-output</c> envelope: <c>{"status":"ok","result":...}</c> or <c>{"status":"error","error":"..."}</c>, indented.</summary>
internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void WriteOk(JsonNode? result) => Write(new JsonObject { ["status"] = "ok", ["result"] = result });

    public static void WriteError(string message, Exception? debugDetails = null)
    {
        var error = new JsonObject { ["status"] = "error", ["error"] = message };
        if (debugDetails is not null)
        {
            error["traceback"] = debugDetails.ToString();
            error["type"] = debugDetails.GetType().Name;
        }

        Write(error);
    }

    public static void Write(JsonNode node) => Console.Out.WriteLine(node.ToJsonString(Options));
}
