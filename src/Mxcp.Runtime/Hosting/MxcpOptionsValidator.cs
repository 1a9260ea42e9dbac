using Microsoft.Extensions.Options;

namespace Mxcp.Runtime.Hosting;

/// <summary>Checks <see cref="MxcpOptions"/> when the host starts, so that a wrong setting stops start-up with what to set.</summary>
internal sealed class MxcpOptionsValidator : IValidateOptions<MxcpOptions>
{
    public ValidateOptionsResult Validate(string? name, MxcpOptions options)
    {
        List<string> failures = [];
        if (options.ProjectPath is { } path)
        {
            if (path.Trim().Length == 0)
            {
                failures.Add("MxcpOptions.ProjectPath is empty: set it to the project folder (the one with mxcp-site.yml), or leave it unset to use the current directory.");
            }
            else if (File.Exists(path))
            {
                failures.Add($"MxcpOptions.ProjectPath '{path}' is a file: set it to the project folder (the one with mxcp-site.yml).");
            }
            else if (!Directory.Exists(path))
            {
                failures.Add($"MxcpOptions.ProjectPath '{path}' does not exist (full path: {Path.GetFullPath(path)}): set it to the project folder (the one with mxcp-site.yml).");
            }
        }

        if (options.UserConfigPath is { } userConfig && (userConfig.Trim().Length == 0 || Directory.Exists(userConfig)))
        {
            failures.Add($"MxcpOptions.UserConfigPath '{userConfig}' is not a file: set it to the user configuration file (config.yml), or leave it unset.");
        }

        if (options.Profile is { } profile && profile.Trim().Length == 0)
        {
            failures.Add("MxcpOptions.Profile is empty: set it to a profile of mxcp-site.yml, or leave it unset.");
        }

        if (options.MaxResultRows < 0)
        {
            failures.Add($"MxcpOptions.MaxResultRows must be 0 or more (got {options.MaxResultRows}): set the most rows one result may have, 0 for no limit.");
        }

        if (options.MaxResultBytes < 0)
        {
            failures.Add($"MxcpOptions.MaxResultBytes must be 0 or more (got {options.MaxResultBytes}): set the most bytes of JSON one result may take, 0 for no limit.");
        }

        if (options.Environment is null)
        {
            failures.Add("MxcpOptions.Environment is null: leave it at its default (System.Environment.GetEnvironmentVariable) or set a function.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
