using Mxcp.Cli.Output;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Plugins;
using Mxcp.Runtime.Reload;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Cli;

/// <summary>A problem with what the user asked for (bad flag value, unknown endpoint): exit 1 with the message.</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>Runs a command body and turns failures into one clear message and exit code 1 (a stack trace only with --debug).</summary>
internal static class CliErrors
{
    public static async Task<int> RunAsync(bool json, bool debug, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Cancelled.");
            return 130;
        }
        catch (Exception e)
        {
            var known = e is ProjectFileException or ProjectNotFoundException or ProjectLoadException or EndpointErrorsException
                or PluginLoadException or CliUsageException;
            var message = known ? e.Message : $"{e.GetType().Name}: {e.Message}";
            if (json)
            {
                JsonOutput.WriteError(message, debug ? e : null);
            }
            else
            {
                Console.Error.WriteLine($"Error: {message}");
                if (debug)
                {
                    Console.Error.WriteLine(e.ToString());
                }
            }

            return 1;
        }
    }
}
