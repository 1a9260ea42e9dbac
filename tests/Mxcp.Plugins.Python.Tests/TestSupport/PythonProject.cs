using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Plugins.Python.Execution;

namespace Mxcp.Plugins.Python.Tests.TestSupport;

/// <summary>A temporary MXCP project with Python files, and the real Python executor started on it.</summary>
internal sealed class PythonProject : IAsyncDisposable
{
    private readonly List<IEndpointExecutor> _executors = [];

    public PythonProject()
    {
        Root = Path.Combine(Path.GetTempPath(), "mxcp-python-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "python"));
    }

    public string Root { get; }

    public RecordingLoggerFactory Logs { get; } = new();

    public FakeSqlDatabase Database { get; } = new();

    public RecordingReloader Reloader { get; } = new();

    /// <summary>The <c>python</c> section of the user profile.</summary>
    public JsonObject Settings { get; } = new() { ["timeout"] = 30, ["hang_timeout"] = 20 };

    public List<SecretDefinition> Secrets { get; } = [];

    public JsonObject Site { get; } = new()
    {
        ["mxcp"] = 1,
        ["project"] = "demo",
        ["profile"] = "dev",
        ["sql_tools"] = new JsonObject { ["enabled"] = false },
    };

    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The result limits the executors of this project get.</summary>
    public ResultLimits ResultLimits { get; set; } = ResultLimits.Default;

    public ProjectRuntimeContext Context() => new()
    {
        ResultLimits = ResultLimits,
        ProjectRoot = Root,
        ProjectName = "demo",
        Profile = "dev",
        SiteConfig = JsonSerializer.SerializeToElement(Site),
        UserConfig = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["mxcp"] = 1,
            ["projects"] = new JsonObject
            {
                ["demo"] = new JsonObject { ["profiles"] = new JsonObject { ["dev"] = new JsonObject { ["python"] = Settings.DeepClone() } } },
            },
        }),
        Secrets = Secrets,
        SqlDatabase = Database,
        Services = new Services(Logs, Reloader),
    };

    public async Task<PythonExecutor> StartAsync()
    {
        var executor = (PythonExecutor)await new PythonExecutorProvider().CreateAsync(Context(), TestContext.Current.CancellationToken);
        _executors.Add(executor);
        return executor;
    }

    public static EndpointDefinition Tool(string name, string file, params string[] parameters) => new()
    {
        Kind = EndpointKind.Tool,
        Name = name,
        Language = "python",
        Source = new EndpointSource { File = file, FullPath = file },
        Parameters = parameters.Select(p => new ParameterDefinition(p, new TypeSchema { Type = SchemaType.String })).ToList(),
    };

    public static EndpointDefinition Resource(string uri, string file, params string[] parameters) => new()
    {
        Kind = EndpointKind.Resource,
        Name = uri,
        Uri = uri,
        Language = "python",
        Source = new EndpointSource { File = file, FullPath = file },
        Parameters = parameters.Select(p => new ParameterDefinition(p, new TypeSchema { Type = SchemaType.String })).ToList(),
    };

    public static EndpointInvocation Call(EndpointDefinition endpoint, IReadOnlyDictionary<string, object?>? arguments = null, CallContext? context = null) => new()
    {
        Endpoint = endpoint,
        Arguments = arguments ?? new Dictionary<string, object?>(),
        Context = context ?? new CallContext { Transport = "stdio" },
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var executor in _executors)
        {
            await executor.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class Services(ILoggerFactory logs, IProjectReloader reloader) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(ILoggerFactory) ? logs : serviceType == typeof(IProjectReloader) ? reloader : null;
    }
}
