using System.CommandLine;
using Mxcp.Abstractions;
using Mxcp.Cli.Output;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Testing;

namespace Mxcp.Cli.Commands;

/// <summary>
/// <c>mxcp test [TYPE NAME]</c>: runs the endpoints' <c>tests:</c> through the full pipeline (policies, types) and exits 1
/// unless every suite is ok.
/// </summary>
internal static class TestCommand
{
    public static Command Create()
    {
        var type = new Argument<string?>("type") { Description = "tool, resource or prompt (default: every endpoint)", Arity = ArgumentArity.ZeroOrOne };
        type.AcceptOnlyFromAmong("tool", "resource", "prompt");
        var name = new Argument<string?>("name") { Description = "The tool or prompt name, or the resource URI", Arity = ArgumentArity.ZeroOrOne };
        var userContext = new Option<string?>("--user-context", "-u") { Description = "The user as JSON, or @file.json; overrides every test's user_context" };
        var headers = new Option<string?>("--request-headers") { Description = "HTTP request headers as a JSON object, or @file.json" };
        var profile = CommonOptions.Profile();
        var json = CommonOptions.JsonOutput();
        var debug = CommonOptions.Debug();
        var readOnly = CommonOptions.ReadOnly();
        var command = new Command("test", "Run the tests of the endpoints")
        {
            type, name, userContext, headers, profile, json, debug, readOnly,
        };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse.GetValue(json), parse.GetValue(debug), async () =>
        {
            var user = CliArguments.User(parse.GetValue(userContext));
            var requestHeaders = CliArguments.Headers(parse.GetValue(headers));
            var options = new MxcpOptions { Profile = parse.GetValue(profile), Debug = parse.GetValue(debug), ReadOnly = parse.GetValue(readOnly) ? true : null };
            await using var services = CliServices.Create(options);
            await using var snapshot = await services.BuildSnapshotAsync(SnapshotBuildMode.Full, ct).ConfigureAwait(false);
            var runner = new EndpointTestRunner(services.Get<EndpointPipeline>());

            string status;
            if (parse.GetValue(type) is { } kindText && parse.GetValue(name) is { } target)
            {
                var suite = await runner.RunAsync(snapshot, Enum.Parse<EndpointKind>(kindText, ignoreCase: true), target, user, requestHeaders, ct).ConfigureAwait(false);
                status = suite.Status;
                if (parse.GetValue(json))
                {
                    JsonOutput.WriteOk(suite.ToJson());
                }
                else
                {
                    Console.WriteLine(TestReportText.Suite(suite, parse.GetValue(debug)));
                }
            }
            else
            {
                var report = await runner.RunAllAsync(snapshot, user, requestHeaders, ct).ConfigureAwait(false);
                status = report.Status;
                if (parse.GetValue(json))
                {
                    JsonOutput.WriteOk(report.ToJson());
                }
                else
                {
                    Console.WriteLine(TestReportText.Run(report, parse.GetValue(debug)));
                }
            }

            return status == "ok" ? 0 : 1;
        }));
        return command;
    }
}
