using System.CommandLine;

namespace Mxcp.Cli;

/// <summary>The options most commands share, named as in the Python MXCP's command line.</summary>
internal static class CommonOptions
{
    public static Option<string?> Profile() => new("--profile") { Description = "Profile to use (default: MXCP_PROFILE, then the site's profile)" };

    public static Option<bool> JsonOutput() => new("--json-output") { Description = "Print the result as JSON: {\"status\": \"ok\", \"result\": ...}" };

    public static Option<bool> Debug() => new("--debug") { Description = "Debug logging and full error details" };

    public static Option<bool> ReadOnly() => new("--readonly") { Description = "Open the database read-only (also MXCP_READONLY=1)" };
}
