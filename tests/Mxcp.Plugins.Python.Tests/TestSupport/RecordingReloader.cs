using System.Collections.Concurrent;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Python.Tests.TestSupport;

/// <summary>
/// A host reloader that does what the runtime's does around the payload: waits for the asking call to finish, closes
/// the executor (running the @on_shutdown hooks), runs the payload, and reports.
/// </summary>
internal sealed class RecordingReloader : IProjectReloader
{
    public ConcurrentQueue<string> Descriptions { get; } = new();

    public Func<Task>? BeforePayload { get; set; }

    public TaskCompletionSource<Exception?> Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<bool> ReloadAsync(string description, Func<CancellationToken, Task>? payload = null, CancellationToken cancellationToken = default)
    {
        Descriptions.Enqueue(description);
        try
        {
            if (BeforePayload is not null)
            {
                await BeforePayload();
            }

            if (payload is not null)
            {
                await payload(cancellationToken);
            }

            Completed.TrySetResult(null);
            return true;
        }
        catch (Exception e)
        {
            Completed.TrySetResult(e);
            return false;
        }
    }
}
