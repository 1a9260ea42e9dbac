namespace Mxcp.IntegrationTests.Support;

/// <summary>
/// A project whose audit records go to PostgreSQL (<c>audit.backend: postgres</c>, the bundled plugin), with an
/// <c>echo</c> tool; the connection string comes from the user configuration through <c>${AUDIT_DATABASE_URL}</c>.
/// Its DuckDB file exists, so servers may open it read-only.
/// </summary>
internal static class PostgresAuditProject
{
    public static TestProject Create(string connectionString)
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: shared\nprofile: prod\nprofiles:\n  prod:\n    audit:\n      enabled: true\n      backend: postgres\n");
        project.Write("tools/echo.yml", """
            mxcp: 1
            tool:
              name: echo
              description: Echoes its arguments.
              parameters:
                - {name: server, type: integer, description: Server}
                - {name: seq, type: integer, description: Sequence number}
              return: {type: object, properties: {server: {type: integer}, seq: {type: integer}}}
              source: {code: "select $server as server, $seq as seq"}
            """);
        project.Write(".home/config.yml", """
            mxcp: 1
            projects:
              shared:
                profiles:
                  prod:
                    audit:
                      connection_string: "${AUDIT_DATABASE_URL}"
            """);
        project.Environment["MXCP_CONFIG"] = Path.Combine(project.Home, "config.yml");
        project.Environment["AUDIT_DATABASE_URL"] = connectionString;
        var created = project.Run("query", "select 1");
        Assert.True(created.ExitCode == 0, created.ToString());
        return project;
    }
}
