using Mxcp.Tests.Shared;

namespace Mxcp.IntegrationTests.Support;

/// <summary>
/// A project (<c>authdemo</c>) whose tools show the caller as SQL and Python see it (<c>whoami</c>, <c>py_whoami</c>)
/// plus an admins-only tool (<c>admin_only</c>), with its <c>auth</c> block in the user configuration; the provider's
/// client secret comes from <c>${OIDC_SECRET}</c>.
/// </summary>
internal static class AuthProject
{
    public static TestProject Create(OidcProviderProcess op, string auth, bool audit = true)
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", $"mxcp: 1\nproject: authdemo\nprofile: default\nprofiles:\n  default:\n    audit:\n      enabled: {(audit ? "true" : "false")}\n");
        project.Write("tools/whoami.yml", """
            mxcp: 1
            tool:
              name: whoami
              description: The caller as SQL sees it
              return:
                type: object
                properties:
                  username: {type: string, nullable: true}
                  email: {type: string, nullable: true}
                  provider: {type: string, nullable: true}
                  has_token: {type: boolean}
              source:
                code: "select get_username() as username, get_user_email() as email, get_user_provider() as provider, get_user_external_token() is not null as has_token"
            """);
        project.Write("tools/admin_only.yml", """
            mxcp: 1
            tool:
              name: admin_only
              description: Admins only
              return: {type: string}
              source: {code: "select 'secret' as s"}
              policies:
                input:
                  - {condition: "user.role != 'admin'", action: deny, reason: Admins only}
            """);
        project.Write("tools/py_whoami.yml", """
            mxcp: 1
            tool:
              name: py_whoami
              description: The caller as Python sees it
              return: {type: object}
              source: {file: ../python/who.py}
            """);
        project.Write("python/who.py", """
            from mxcp.runtime import db
            from mxcp.sdk.auth.context import get_user_context
            from mxcp.sdk.executor import get_execution_context


            def py_whoami():
                user = get_user_context()
                token = get_execution_context().external_token
                from_sql = db.execute("select get_user_external_token() as t")[0]["t"]
                return {"username": user.username, "provider": user.provider, "has_token": token is not None, "same_token_in_sql": token == from_sql}
            """);
        WriteAuth(project, auth);
        project.Environment["OIDC_SECRET"] = op.ClientSecret;
        return project;
    }

    /// <summary>(Re)writes the user configuration with <paramref name="auth"/> as the profile's <c>auth</c> block.</summary>
    public static void WriteAuth(TestProject project, string auth)
    {
        var indented = string.Join('\n', auth.Split('\n').Select(l => "          " + l));
        project.Write(".home/.mxcp/config.yml", $"mxcp: 1\nprojects:\n  authdemo:\n    profiles:\n      default:\n        auth:\n{indented}\n");
    }

    /// <summary>Issuer mode with the <c>oidc</c> provider; <paramref name="persistence"/> is the <c>persistence</c> block's lines.</summary>
    public static string Issuer(OidcProviderProcess op, string? persistence = null) => $"""
        provider: oidc
        oidc:
          config_url: {op.ConfigUrl}
          client_id: {op.ClientId}
          client_secret: "${"{"}OIDC_SECRET{"}"}"
          scope: openid profile email
          callback_path: /oidc/callback
        """ + (persistence is null ? "" : "\npersistence:\n" + string.Join('\n', persistence.Split('\n').Select(l => "  " + l)));
}
