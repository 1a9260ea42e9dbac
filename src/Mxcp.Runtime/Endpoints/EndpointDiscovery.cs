using Mxcp.Abstractions;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Endpoints;

/// <summary>
/// Finds the endpoint files of a project (every <c>*.yml</c> and <c>*.yaml</c> under the tools, resources and prompts
/// folders, recursively), reads each one, and marks duplicates. A broken file is reported with its error and does not
/// hide the valid ones.
/// </summary>
internal static class EndpointDiscovery
{
    public static IReadOnlyList<EndpointFile> Discover(ProjectConfiguration config)
    {
        var found = new List<(string Path, EndpointKind Kind)>();
        foreach (var (folder, kind) in (ReadOnlySpan<(string, EndpointKind)>)
                 [(config.Site.Paths.Tools, EndpointKind.Tool), (config.Site.Paths.Resources, EndpointKind.Resource), (config.Site.Paths.Prompts, EndpointKind.Prompt)])
        {
            var dir = config.ResolvePath(folder);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            found.AddRange(Directory.EnumerateFiles(dir, "*.*", SearchOption.AllDirectories)
                .Where(p => p.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .Select(p => (p, kind)));
        }

        // Files are read and parsed on every processor (a project of 10,000 endpoints spends most of its start here);
        // the list keeps the order found, and an unexpected failure is thrown for the first file it happened to.
        var files = new EndpointFile[found.Count];
        var failures = new Exception?[found.Count];
        Parallel.For(0, found.Count, new ParallelOptions { MaxDegreeOfParallelism = found.Count < ParallelFrom ? 1 : Environment.ProcessorCount }, i =>
        {
            try
            {
                files[i] = ReadFile(found[i].Path, DisplayPath(config.ProjectRoot, found[i].Path), config.ProjectRoot, found[i].Kind);
            }
            catch (Exception e)
            {
                failures[i] = e;
            }
        });
        if (Array.Find(failures, f => f is not null) is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return MarkDuplicates([.. files]);
    }

    /// <summary>Below this many files, they are read one after the other.</summary>
    private const int ParallelFrom = 64;

    public static string DisplayPath(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    public static EndpointFile ReadFile(string path, string display, string projectRoot, EndpointKind kind)
    {
        try
        {
            var node = YamlDocumentLoader.LoadFile(path, display);
            var definition = EndpointFileReader.Read(node, display, path, projectRoot, kind);
            return definition is null
                ? new EndpointFile { FullPath = path, DisplayPath = display, FolderKind = kind, Warning = $"{display}: no '{kind.ToString().ToLowerInvariant()}:' key; file skipped" }
                : new EndpointFile { FullPath = path, DisplayPath = display, FolderKind = kind, Definition = definition, Warnings = EndpointFileReader.Warnings(definition) };
        }
        catch (ProjectFileException e)
        {
            return new EndpointFile { FullPath = path, DisplayPath = display, FolderKind = kind, Error = e.Message };
        }
    }

    private static List<EndpointFile> MarkDuplicates(List<EndpointFile> files)
    {
        var groups = files
            .Select((f, i) => (File: f, Index: i))
            .Where(x => x.File.IsValid)
            .GroupBy(x => x.File.Definition!.Key, StringComparer.Ordinal)
            .Where(g => g.Count() > 1);
        foreach (var group in groups)
        {
            var definition = group.First().File.Definition!;
            var what = definition.Kind == EndpointKind.Resource ? "URI" : "name";
            var identity = definition.Kind == EndpointKind.Resource ? definition.Uri : definition.Name;
            var message = $"Duplicate endpoint {what} '{identity}' found in: {string.Join(", ", group.Select(x => x.File.DisplayPath))}";
            foreach (var (file, index) in group)
            {
                files[index] = file with { Error = $"{file.DisplayPath}: {message}" };
            }
        }

        return files;
    }
}
