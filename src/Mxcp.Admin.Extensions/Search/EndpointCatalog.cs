using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Admin.Search;

/// <summary>
/// The endpoints of a snapshot as the admin API lists them (endpoint files, then built-in tools) and their BM25 index
/// over names, descriptions, parameter names and tags; built once per snapshot.
/// </summary>
internal static class EndpointCatalog
{
    private static readonly ConditionalWeakTable<ProjectSnapshot, Catalog> Catalogs = new();

    public static Catalog For(ProjectSnapshot snapshot) => Catalogs.GetValue(snapshot, s => new Catalog(s));

    /// <summary>One row of <c>GET /endpoints</c>.</summary>
    internal sealed record Entry(EndpointFile? File, EndpointDefinition? Definition)
    {
        public string? Type => Definition?.Kind.ToString().ToLowerInvariant();

        /// <summary>The name of a tool or prompt, the URI of a resource.</summary>
        public string? Id => Definition is null ? null : Definition.Uri ?? Definition.Name;

        public string? Key => Definition?.Key;

        public bool IsBuiltIn => Definition?.IsBuiltIn == true;
    }

    internal sealed class Catalog
    {
        public Catalog(ProjectSnapshot snapshot)
        {
            var entries = new List<Entry>();
            entries.AddRange(snapshot.Files.Where(f => f.Warning is null).Select(f => new Entry(f, f.Definition)));
            entries.AddRange(snapshot.Endpoints.Where(e => e.Definition.IsBuiltIn).Select(e => new Entry(null, e.Definition)));
            Entries = entries;

            Index = NewIndex<Entry>();
            foreach (var entry in entries.Where(e => e.Definition is not null))
            {
                Add(Index, entry, entry.Definition!);
            }
        }

        public IReadOnlyList<Entry> Entries { get; }

        public Bm25Index<Entry> Index { get; }

        public Entry? Find(string type, string id) =>
            Entries.FirstOrDefault(e => e.Type == type && (e.Id == id || e.Definition?.Name == id));
    }

    /// <summary>An index with the fields of <see cref="Add{T}"/>: names weigh most, then tags, parameter names, and descriptions.</summary>
    public static Bm25Index<T> NewIndex<T>() => new(3.0, 2.0, 1.5, 1.0);

    /// <summary>Indexes an endpoint: name, URI and title; tags; parameter names; its description and its parameters' descriptions.</summary>
    public static void Add<T>(Bm25Index<T> index, T item, EndpointDefinition d) => index.Add(
        item,
        string.Join(' ', new[] { d.Name, d.Uri, d.Annotations?.Title }.Where(s => s is not null)),
        string.Join(' ', d.Tags),
        string.Join(' ', d.Parameters.Select(p => p.Name)),
        string.Join(' ', new[] { d.Description }.Concat(d.Parameters.Select(p => p.Schema.Description))));

    /// <summary>The parameters of an endpoint as the admin API shows them (name, type, description; no defaults or examples).</summary>
    public static JsonArray Parameters(EndpointDefinition definition) => new(definition.Parameters
        .Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p.Name,
            ["type"] = p.Schema.Type.ToString().ToLowerInvariant(),
            ["description"] = p.Schema.Description,
            ["required"] = !p.Schema.HasDefault,
            ["sensitive"] = p.Schema.Sensitive,
        })
        .ToArray());
}
