using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;

namespace Mxcp.IntegrationTests.Support;

/// <summary>An HTTP client for the admin API on a Unix socket (what <c>curl --unix-socket</c> does).</summary>
internal static class AdminSocket
{
    private static readonly ConcurrentBag<string> Folders = [];

    static AdminSocket() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var folder in Folders)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    };

    /// <summary>A fresh socket path short enough for a Unix socket.</summary>
    public static string NewPath() => Path.Combine(NewFolder(), "mxcp.sock");

    /// <summary>
    /// A fresh folder path for sockets, short enough for a Unix socket path, not yet created; it is deleted when the test
    /// process exits (the servers the tests start create it and leave it behind).
    /// </summary>
    public static string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mxs-" + Guid.NewGuid().ToString("N")[..8]);
        Folders.Add(folder);
        return folder;
    }

    public static HttpClient Client(string socketPath) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri("http://localhost") };

    public static async Task<JsonElement> GetJsonAsync(this HttpClient http, string path, CancellationToken cancellationToken) =>
        JsonDocument.Parse(await http.GetStringAsync(path, cancellationToken)).RootElement.Clone();

    /// <summary>Waits until the socket accepts connections (the admin API starts once the project is loaded).</summary>
    public static async Task WaitUntilListeningAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return;
            }
            catch (SocketException) when (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
