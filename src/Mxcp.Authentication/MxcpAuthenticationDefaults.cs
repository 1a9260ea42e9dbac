namespace Mxcp.Authentication;

/// <summary>Names of Mxcp's authentication.</summary>
public static class MxcpAuthenticationDefaults
{
    /// <summary>
    /// The authentication scheme that validates bearer tokens on the MCP endpoint (tokens Mxcp issued in issuer mode,
    /// the OpenID provider's tokens in verifier mode). A host may name it in its own authorization policies.
    /// </summary>
    public const string AuthenticationScheme = "Mxcp";
}
