using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Dbt;

/// <summary>
/// What <c>mxcp dbt</c> adds to dbt's environment: every parameter of the active profile's secrets as
/// <c>MXCP_SECRET_&lt;NAME&gt;_&lt;PARAM&gt;</c> (map parameters one variable per key), the names
/// <c>dbt-config</c>'s <c>env_var()</c> references use. Finds <c>dbt</c> on <c>PATH</c>.
/// </summary>
internal static class DbtEnvironment
{
    public static Dictionary<string, string> SecretVariables(IEnumerable<SecretDefinition> secrets)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var secret in secrets.Where(s => s.Parameters.ValueKind == JsonValueKind.Object))
        {
            foreach (var parameter in secret.Parameters.EnumerateObject())
            {
                if (parameter.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var entry in parameter.Value.EnumerateObject())
                    {
                        variables[DbtFiles.SecretVariable(secret.Name, parameter.Name, entry.Name)] = Text(entry.Value);
                    }
                }
                else
                {
                    variables[DbtFiles.SecretVariable(secret.Name, parameter.Name)] = Text(parameter.Value);
                }
            }
        }

        return variables;
    }

    /// <summary>The <c>dbt</c> executable on <c>PATH</c>, or <see langword="null"/>.</summary>
    public static string? FindDbt(string? path)
    {
        var names = OperatingSystem.IsWindows() ? new[] { "dbt.exe", "dbt.cmd", "dbt.bat" } : ["dbt"];
        foreach (var dir in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
