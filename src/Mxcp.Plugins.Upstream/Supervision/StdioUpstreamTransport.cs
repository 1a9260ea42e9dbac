using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mxcp.Plugins.Upstream.Supervision;

/// <summary>How to start a stdio upstream's process.</summary>
internal sealed record StdioUpstreamOptions
{
    public required string Name { get; init; }

    public required string Command { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>The process's working directory; the server's when <see langword="null"/>.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Added to the server's environment, which the process inherits.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Receives each line of the process's standard error (a longer line is cut at <see cref="MaxErrorLineBytes"/>).</summary>
    public Action<string>? StandardErrorLines { get; init; }

    /// <summary>The longest line on standard output (one JSON-RPC message); a longer one ends the connection.</summary>
    public required long MaxMessageBytes { get; init; }

    /// <summary>Hears of a line longer than <see cref="MaxMessageBytes"/> (once), before the connection ends.</summary>
    public Action<UpstreamMessageTooLargeException>? MessageTooLarge { get; init; }

    /// <summary>How long a stopped process is waited for after it was killed.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public const int MaxErrorLineBytes = 8 * 1024;
}

/// <summary>
/// The stdio transport of an upstream: starts its process and speaks JSON-RPC over its standard input and output, one
/// message per line, through the SDK's stream transport. Unlike the SDK's stdio transport it reads standard output
/// through a <see cref="BoundedMessageStream"/>, so a line longer than <see cref="StdioUpstreamOptions.MaxMessageBytes"/>
/// ends the connection (with <see cref="UpstreamMessageTooLargeException"/>) instead of being read whole, and it reads
/// standard error in lines of bounded length. Closing the connection kills the process and its children.
/// </summary>
internal sealed partial class StdioUpstreamTransport(StdioUpstreamOptions options) : IClientTransport
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public string Name => options.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var command = options.Command;
        IReadOnlyList<string> arguments = options.Arguments;
        if (OperatingSystem.IsWindows() && !string.Equals(Path.GetFileName(command), "cmd.exe", StringComparison.OrdinalIgnoreCase))
        {
            // Commands such as npx are scripts that only a shell runs on Windows.
            arguments = ["/c", command, .. arguments];
            command = "cmd.exe";
        }

        var start = new ProcessStartInfo
        {
            FileName = command,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = options.WorkingDirectory ?? System.Environment.CurrentDirectory,
            StandardInputEncoding = Utf8,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
        };
        foreach (var argument in arguments)
        {
            // cmd.exe reads & ^ < > | in an argument without whitespace as its own operators unless escaped with ^.
            start.ArgumentList.Add(OperatingSystem.IsWindows() && !Whitespace().IsMatch(argument) ? CmdOperator().Replace(argument, "^$0") : argument);
        }

        foreach (var (key, value) in options.Environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        try
        {
            if (!process.Start())
            {
                throw new IOException($"the process '{options.Command}' did not start");
            }
        }
        catch (Exception e) when (e is not IOException)
        {
            process.Dispose();
            throw new IOException($"the process '{options.Command}' could not be started: {e.Message}", e);
        }

        var state = new ProcessState(process, Task.Run(() => ReadErrorLinesAsync(process.StandardError.BaseStream, options.StandardErrorLines), CancellationToken.None));
        try
        {
            var output = new BoundedMessageStream(process.StandardOutput.BaseStream, MessageUnit.Line, options.MaxMessageBytes, options.Name, options.MessageTooLarge, state.ExitedAsync);
            var inner = await new StreamClientTransport(process.StandardInput.BaseStream, output).ConnectAsync(cancellationToken).ConfigureAwait(false);
            return new Session(inner, state, options.ShutdownTimeout);
        }
        catch
        {
            await state.StopAsync(options.ShutdownTimeout).ConfigureAwait(false);
            throw;
        }
    }

    [GeneratedRegex(@"\s")]
    private static partial Regex Whitespace();

    [GeneratedRegex("[&^><|]")]
    private static partial Regex CmdOperator();

    /// <summary>Hands each line of <paramref name="stream"/> to <paramref name="lines"/>, cut at <see cref="StdioUpstreamOptions.MaxErrorLineBytes"/>.</summary>
    internal static async Task ReadErrorLinesAsync(Stream stream, Action<string>? lines)
    {
        var splitter = new LineSplitter(StdioUpstreamOptions.MaxErrorLineBytes, line =>
        {
            try
            {
                lines?.Invoke(line);
            }
            catch (Exception)
            {
                // The logging of one line does not stop the reading of the next.
            }
        });
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                splitter.Feed(buffer.AsSpan(0, read));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process is gone.
        }

        splitter.End();
    }

    /// <summary>Splits bytes into UTF-8 lines (without their "\r\n" or "\n"), keeping at most a bounded part of each.</summary>
    internal sealed class LineSplitter(int maxBytes, Action<string> line)
    {
        private readonly MemoryStream _current = new();
        private bool _cut;

        public void Feed(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                var newline = data.IndexOf((byte)'\n');
                var part = newline < 0 ? data : data[..newline];
                var room = maxBytes - (int)_current.Length;
                _current.Write(part[..Math.Min(room, part.Length)]);
                _cut |= part.Length > room;
                if (newline < 0)
                {
                    return;
                }

                Emit();
                data = data[(newline + 1)..];
            }
        }

        public void End()
        {
            if (_current.Length > 0 || _cut)
            {
                Emit();
            }
        }

        private void Emit()
        {
            var text = Encoding.UTF8.GetString(_current.GetBuffer(), 0, (int)_current.Length).TrimEnd('\r');
            line(_cut ? text + "…" : text);
            _current.SetLength(0);
            _cut = false;
        }
    }

    /// <summary>The process of one connection.</summary>
    private sealed class ProcessState(Process process, Task errors)
    {
        private volatile bool _closing;

        /// <summary>
        /// At the end of standard output: the error that closes the connection when the process exited on its own
        /// (with its exit code; standard error is read to its end first, so its last line is known).
        /// </summary>
        public async ValueTask<Exception?> ExitedAsync(CancellationToken cancellationToken)
        {
            if (_closing)
            {
                return null;
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                await errors.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException)
            {
            }

            return _closing || !process.HasExited ? null
                : new IOException(string.Create(CultureInfo.InvariantCulture, $"the process exited unexpectedly (exit code: {process.ExitCode})"));
        }

        /// <summary>Kills the process and its children, and waits for them (at most <paramref name="timeout"/>).</summary>
        public async Task StopAsync(TimeSpan timeout)
        {
            _closing = true;
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                using var wait = new CancellationTokenSource(timeout);
                await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                await errors.WaitAsync(timeout, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or OperationCanceledException or TimeoutException)
            {
                // It exited meanwhile, or does not stop: it is left to the operating system.
            }
            finally
            {
                process.Dispose();
            }
        }
    }

    /// <summary>The SDK's stream session; closing it stops the process first, so that the read of its output ends.</summary>
    private sealed class Session(ITransport inner, ProcessState state, TimeSpan shutdownTimeout) : ITransport
    {
        private int _disposed;

        public string? SessionId => inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader => inner.MessageReader;

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) => inner.SendMessageAsync(message, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            await state.StopAsync(shutdownTimeout).ConfigureAwait(false);
            await inner.DisposeAsync().ConfigureAwait(false);
        }
    }
}
