namespace Mxcp.IntegrationTests.Support;

/// <summary>
/// The `mxcp` under test: `dotnet publish src/Mxcp.Cli -c Release -o artifacts/test-publish/mxcp`, done once per test run
/// (serialised across test processes with a lock file). Set MXCP_TEST_EXECUTABLE to test an existing build instead.
/// </summary>
internal static class MxcpExecutable
{
    private static readonly Lazy<string> Published = new(Publish, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Path => Published.Value;

    private static string Publish()
    {
        if (Environment.GetEnvironmentVariable("MXCP_TEST_EXECUTABLE") is { Length: > 0 } existing)
        {
            return existing;
        }

        var output = System.IO.Path.Combine(Repository.Root, "artifacts", "test-publish", "mxcp");
        using var lockFile = AcquireReleaseBuildLock();
        var result = DotnetCli.Run(Repository.Root, TimeSpan.FromMinutes(10), null,
            "publish", "src/Mxcp.Cli/Mxcp.Cli.csproj", "-c", "Release", "-o", output, "--nologo", "-v", "quiet", "--disable-build-servers");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish of mxcp failed: {result}");
        }

        var exe = System.IO.Path.Combine(output, OperatingSystem.IsWindows() ? "mxcp.exe" : "mxcp");
        return File.Exists(exe) ? exe : throw new InvalidOperationException($"dotnet publish did not produce {exe}");
    }

    /// <summary>
    /// Held while a test builds the repository in Release (this publish, the packages), so that two builds never write
    /// the same obj/ and bin/ folders at once.
    /// </summary>
    public static FileStream AcquireReleaseBuildLock()
    {
        var path = System.IO.Path.Combine(Repository.Root, "artifacts", "test-publish", "mxcp.lock");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }
}
