using Mxcp.Abstractions;

namespace Mxcp.Runtime.Endpoints;

/// <summary>One discovered endpoint file and what became of it.</summary>
internal sealed record EndpointFile
{
    public required string FullPath { get; init; }

    /// <summary>The path relative to the project root, with forward slashes.</summary>
    public required string DisplayPath { get; init; }

    /// <summary>The folder the file was found in decides the kind it must declare.</summary>
    public required EndpointKind FolderKind { get; init; }

    public EndpointDefinition? Definition { get; init; }

    /// <summary>Why the file cannot be served; <see langword="null"/> when it is valid.</summary>
    public string? Error { get; init; }

    /// <summary>A warning for files that are skipped on purpose (wrong folder).</summary>
    public string? Warning { get; init; }

    /// <summary>Remarks about a served endpoint that <c>validate</c> and <c>list</c> report without failing it.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public bool IsDisabled => Definition is { Enabled: false };

    public bool IsValid => Error is null && Definition is { Enabled: true };
}
