using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Configuration;

namespace Mxcp.Plugins.DuckDb.Database;

/// <summary>
/// Prepares a database for a project: installs and loads the site's extensions and creates the profile's secrets as
/// DuckDB temporary secrets. Both live in the database instance, so one connection does it for the whole pool.
/// </summary>
internal static class DatabaseSetup
{
    /// <summary>
    /// <c>INSTALL x [FROM repo]; LOAD x;</c> for each extension not loaded yet (built-in ones such as json, parquet and
    /// icu already are). Fails with a message that names the extension.
    /// </summary>
    public static void LoadExtensions(DuckDbConnection connection, IReadOnlyList<ExtensionSetting> extensions, ILogger logger)
    {
        var sandboxed = CurrentSandbox(connection) is not null;
        foreach (var extension in extensions)
        {
            if (sandboxed)
            {
                // An earlier snapshot set the instance up and sandboxed it: duckdb_extensions() would read the extension
                // folder, which the sandbox forbids, but loading an extension that is loaded already is allowed.
                try
                {
                    connection.Execute($"LOAD {SqlText.Identifier(extension.Name)}", null, CancellationToken.None);
                    continue;
                }
                catch (DuckDbException e)
                {
                    throw new DuckDbException(
                        $"Could not load DuckDB extension '{extension.Name}': the file sandbox (duckdb.file_access: project) is on, so extensions are installed and loaded only when the database opens; restart the server to load it ({e.Message})", e);
                }
            }

            var state = connection.Execute(
                "SELECT loaded, installed FROM duckdb_extensions() WHERE extension_name = lower($name) OR list_contains(aliases, lower($name))",
                new Dictionary<string, object?> { ["name"] = extension.Name },
                CancellationToken.None);
            var loaded = state.Count > 0 && state[0]!["loaded"]!.GetValue<bool>();
            var installed = state.Count > 0 && state[0]!["installed"]!.GetValue<bool>();
            if (loaded)
            {
                continue;
            }

            var name = SqlText.Identifier(extension.Name);
            if (!installed)
            {
                var from = extension.Repo is null ? "" : " FROM " + (SqlText.IsSimpleName(extension.Repo) ? extension.Repo : SqlText.Literal(extension.Repo));
                try
                {
                    connection.Execute($"INSTALL {name}{from}", null, CancellationToken.None);
                }
                catch (DuckDbException e)
                {
                    throw new DuckDbException(
                        $"Could not install DuckDB extension '{extension.Name}'{(extension.Repo is null ? "" : $" from '{extension.Repo}'")}: " +
                        $"the machine may be offline or the extension may not exist ({e.Message})", e);
                }
            }

            try
            {
                connection.Execute($"LOAD {name}", null, CancellationToken.None);
            }
            catch (DuckDbException e)
            {
                throw new DuckDbException($"Could not load DuckDB extension '{extension.Name}': {e.Message}", e);
            }

            Log.ExtensionLoaded(logger, extension.Name);
        }
    }

    /// <summary>
    /// Applies the file sandbox to the database instance: SQL may then reach only files under <paramref name="allowed"/>
    /// (folders and URL prefixes), nothing can install or load extensions, write files elsewhere (<c>COPY ... TO</c>,
    /// <c>EXPORT DATABASE</c>, <c>ATTACH</c>) or read them (<c>read_text</c> of the user configuration), and the
    /// configuration is locked, so that SQL cannot undo it (<c>SET</c> is refused). The instance keeps it until it
    /// closes: DuckDB cannot widen it again, so a snapshot that wants a different sandbox on the same open instance is
    /// refused with a message to restart.
    /// </summary>
    /// <param name="connection">A connection of the instance.</param>
    /// <param name="allowed">The sandbox, or <see langword="null"/> for none.</param>
    public static void ApplySandbox(DuckDbConnection connection, IReadOnlyList<string>? allowed)
    {
        var database = connection.Database;
        var applied = CurrentSandbox(connection);
        if (applied is not null || allowed is null)
        {
            if (!SameSandbox(applied, allowed))
            {
                throw new DuckDbException(
                    $"The DuckDB file sandbox of '{database.Path}' cannot change while the database is open (now: {Describe(applied)}; wanted: {Describe(allowed)}): restart the server to apply duckdb.file_access and duckdb.allowed_paths");
            }

            return;
        }

        // Secrets stored by DuckDB itself are read when the secret manager first starts; start it now, while files
        // outside the project can still be read.
        connection.Execute("SELECT count(*) AS n FROM duckdb_secrets()", null, CancellationToken.None);
        var list = "[" + string.Join(", ", allowed.Select(SqlText.Literal)) + "]";
        connection.Execute($"SET allowed_directories = {list}", null, CancellationToken.None);
        connection.Execute("SET enable_external_access = false", null, CancellationToken.None);
        connection.Execute("SET lock_configuration = true", null, CancellationToken.None);
    }

    /// <summary>The sandbox of the open instance (which may have been set up by an earlier snapshot), or <see langword="null"/>.</summary>
    public static IReadOnlyList<string>? CurrentSandbox(DuckDbConnection connection)
    {
        var row = connection.Execute(
            "SELECT current_setting('enable_external_access') AS open, current_setting('allowed_directories') AS allowed", null, CancellationToken.None)[0]!;
        if (row["open"]!.GetValue<bool>())
        {
            return null;
        }

        return row["allowed"] is JsonArray allowed
            ? [.. allowed.Select(a => a!.GetValue<string>()).Order(StringComparer.Ordinal)]
            : [];
    }

    private static bool SameSandbox(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        a is null ? b is null : b is not null && a.SequenceEqual(b, StringComparer.Ordinal);

    private static string Describe(IReadOnlyList<string>? sandbox) =>
        sandbox is null ? "any file" : "only " + string.Join(", ", sandbox);

    /// <summary>
    /// <c>CREATE OR REPLACE TEMPORARY SECRET name (TYPE t, KEY 'value', MAPKEY MAP {'k': 'v'})</c> for each secret with
    /// parameters. Secrets DuckDB does not know (types such as <c>database</c> or <c>api</c> that Python code reads)
    /// fail; that is logged at debug level, without the secret's values, and ignored. Secrets this plugin created
    /// earlier in the same database and no longer configured are dropped.
    /// </summary>
    public static void CreateSecrets(DuckDbConnection connection, IReadOnlyList<SecretDefinition> secrets, ILogger logger)
    {
        var created = connection.Database.CreatedSecrets;
        lock (created)
        {
            CreateSecrets(connection, secrets, created, logger);
        }
    }

    private static void CreateSecrets(DuckDbConnection connection, IReadOnlyList<SecretDefinition> secrets, HashSet<string> created, ILogger logger)
    {
        foreach (var stale in created.Where(name => secrets.All(s => s.Name != name)).ToList())
        {
            connection.Execute($"DROP TEMPORARY SECRET IF EXISTS {SqlText.Identifier(stale)}", null, CancellationToken.None);
            created.Remove(stale);
        }

        foreach (var secret in secrets)
        {
            if (secret.Parameters.ValueKind != JsonValueKind.Object || !secret.Parameters.EnumerateObject().Any())
            {
                continue;
            }

            if (!SqlText.IsSimpleName(secret.Type))
            {
                Log.SecretSkipped(logger, secret.Name, secret.Type, "the type is not a DuckDB secret type name");
                continue;
            }

            var statement = new StringBuilder("CREATE OR REPLACE TEMPORARY SECRET ")
                .Append(SqlText.Identifier(secret.Name)).Append(" (TYPE ").Append(secret.Type);
            var skipped = false;
            foreach (var parameter in secret.Parameters.EnumerateObject())
            {
                if (!SqlText.IsSimpleName(parameter.Name))
                {
                    Log.SecretSkipped(logger, secret.Name, secret.Type, $"the parameter name '{parameter.Name}' is not a DuckDB option name");
                    skipped = true;
                    break;
                }

                statement.Append(", ").Append(parameter.Name).Append(' ').Append(Literal(parameter.Value));
            }

            if (skipped)
            {
                continue;
            }

            statement.Append(')');
            try
            {
                connection.Execute(statement.ToString(), null, CancellationToken.None);
                created.Add(secret.Name);
                Log.SecretCreated(logger, secret.Name, secret.Type);
            }
            catch (DuckDbException e)
            {
                Log.SecretSkipped(logger, secret.Name, secret.Type, Scrub(e.Message, secret.Parameters));
            }
        }
    }

    private static string Literal(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => SqlText.Literal(value.GetString()!),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "NULL",
        JsonValueKind.Array => "[" + string.Join(", ", value.EnumerateArray().Select(Literal)) + "]",
        _ => "MAP {" + string.Join(", ", value.EnumerateObject().Select(p => SqlText.Literal(p.Name) + ": " + MapValue(p.Value))) + "}",
    };

    private static string MapValue(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? SqlText.Literal(value.GetString()!) : SqlText.Literal(value.GetRawText());

    /// <summary>Removes every secret value from a message (DuckDB errors may quote the statement).</summary>
    private static string Scrub(string message, JsonElement parameters)
    {
        var values = new List<string>();
        Collect(parameters, values);
        foreach (var value in values.Where(v => v.Length > 0).OrderByDescending(v => v.Length))
        {
            message = message.Replace(value, "***", StringComparison.Ordinal);
            message = message.Replace(value.Replace("'", "''", StringComparison.Ordinal), "***", StringComparison.Ordinal);
        }

        return message;
    }

    private static void Collect(JsonElement element, List<string> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Collect(property.Value, values);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, values);
                }

                break;
            case JsonValueKind.String:
                values.Add(element.GetString()!);
                break;
            default:
                values.Add(element.GetRawText());
                break;
        }
    }
}
