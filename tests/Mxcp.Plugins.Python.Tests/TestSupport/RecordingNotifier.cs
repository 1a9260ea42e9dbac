using System.Collections.Concurrent;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Python.Tests.TestSupport;

/// <summary>An MCP client stand-in that keeps the log and progress notifications of a call.</summary>
internal sealed class RecordingNotifier : IClientNotifier
{
    public ConcurrentQueue<string> Events { get; } = new();

    public ValueTask LogAsync(string level, string message, CancellationToken cancellationToken = default)
    {
        Events.Enqueue($"log {level}: {message}");
        return ValueTask.CompletedTask;
    }

    public ValueTask ProgressAsync(double progress, double? total = null, string? message = null, CancellationToken cancellationToken = default)
    {
        Events.Enqueue($"progress {progress}/{total?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {message}");
        return ValueTask.CompletedTask;
    }
}
