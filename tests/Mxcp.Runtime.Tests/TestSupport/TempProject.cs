namespace Mxcp.Runtime.Tests.TestSupport;

/// <summary>A throwaway MXCP project folder.</summary>
internal sealed class TempProject : IDisposable
{
    public TempProject(string? site = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "mxcp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Write("mxcp-site.yml", site ?? "mxcp: 1\nproject: demo\nprofile: dev\n");
    }

    public string Root { get; }

    public Dictionary<string, string?> Env { get; } = new(StringComparer.Ordinal);

    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public MxcpOptions Options(Action<MxcpOptions>? configure = null)
    {
        // Isolated from the machine: no ~/.mxcp/config.yml, no MXCP_* variables unless the test sets them.
        Env.TryAdd("HOME", Path.Combine(Root, ".home"));
        var options = new MxcpOptions { ProjectPath = Root, Environment = name => Env.GetValueOrDefault(name) };
        configure?.Invoke(options);
        return options;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
