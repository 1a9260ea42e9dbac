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
        var files = new List<EndpointFile>();
        foreach (var (folder, kind) in (ReadOnlySpan<(string, EndpointKind)>)
                 [(config.Site.Paths.Tools, EndpointKind.Tool), (config.Site.Paths.Resources, EndpointKind.Resource), (config.Site.Paths.Prompts, EndpointKind.Prompt)])
        {
            var dir = config.ResolvePath(folder);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            var paths = Directory.EnumerateFiles(dir, "*.*", SearchOption.AllDirectories)
                .Where(p => p.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal);
            foreach (var path in paths)
            {
                files.Add(ReadFile(path, DisplayPath(config.ProjectRoot, path), config.ProjectRoot, kind));
            }
        }

        return MarkDuplicates(files);
    }

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
