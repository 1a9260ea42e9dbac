using Mxcp.Cli;

return await CliApplication.RunAsync(args).ConfigureAwait(false);
