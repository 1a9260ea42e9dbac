using Mxcp.Cli.Output;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Plugins;
using Mxcp.Runtime.Reload;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Cli;

/// <summary>A problem with what the user asked for (bad flag value, unknown endpoint): exit 1 with the message.</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>A value of an option that cannot be used (<c>--param</c>, <c>--user-context</c>, ...): exit 2, as a usage error.</summary>
internal sealed class CliParameterException(string message) : Exception(message);

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
        catch (CliParameterException e)
        {
            // The reference reports these as click's "Invalid value" usage errors, exit code 2.
            Report(json, debug, $"Invalid value: {e.Message}", e);
            return 2;
        }
        catch (Exception e)
        {
            var known = e is ProjectFileException or ProjectNotFoundException or ProjectLoadException or EndpointErrorsException
                or PluginLoadException or CliUsageException;
            Report(json, debug, known ? e.Message : $"{e.GetType().Name}: {e.Message}", e);
            return 1;
        }
    }

    private static void Report(bool json, bool debug, string message, Exception e)
    {
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
    }
}
