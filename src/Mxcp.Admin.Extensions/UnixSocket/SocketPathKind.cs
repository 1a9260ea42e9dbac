using System.Runtime.InteropServices;
using System.Text;

namespace Mxcp.Admin.UnixSocket;

/// <summary>
/// What is at a path, without following a symbolic link: nothing, a socket, or something else (named for messages).
/// The admin socket may replace only a socket: anything else at its path is refused and kept.
/// </summary>
internal static class SocketPathKind
{
    // File type bits of the mode reported by the .NET runtime's own stat shim (the same on every Unix).
    private const int TypeMask = 0xF000;
    private const int Fifo = 0x1000;
    private const int CharacterDevice = 0x2000;
    private const int Directory = 0x4000;
    private const int BlockDevice = 0x6000;
    private const int RegularFile = 0x8000;
    private const int SymbolicLink = 0xA000;
    private const int Socket = 0xC000;

    /// <summary>
    /// <see langword="null"/> when nothing is at <paramref name="path"/>; <c>"a socket"</c>; or what else is there
    /// (<c>"a regular file"</c>, <c>"a directory"</c>, <c>"a symbolic link"</c>, ...).
    /// </summary>
    public static string? Describe(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            // Windows reports sockets as reparse points; only directories are told apart.
            return System.IO.Directory.Exists(path) ? "a directory" : File.Exists(path) ? "a socket" : null;
        }

        // .NET has no public API for the file type (FileAttributes reports sockets, pipes and files alike as Normal),
        // so this asks System.Native, the runtime's own POSIX layer, for lstat's mode.
        var status = default(FileStatus);
        if (LStat(Encoding.UTF8.GetBytes(path + "\0"), ref status) != 0)
        {
            const int NoSuchEntry = 2; // ENOENT on Linux and macOS
            return Marshal.GetLastPInvokeError() == NoSuchEntry ? null : "an entry that cannot be inspected";
        }

        return (status.Mode & TypeMask) switch
        {
            Socket => "a socket",
            RegularFile => "a regular file",
            Directory => "a directory",
            SymbolicLink => "a symbolic link",
            Fifo => "a named pipe",
            CharacterDevice or BlockDevice => "a device",
            _ => "an entry that is not a socket",
        };
    }

    public static bool IsSocket(string path) => Describe(path) == "a socket";

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
    private static extern int LStat(byte[] path, ref FileStatus output);

    /// <summary>The runtime's FileStatus: only the mode is read; the size leaves room for fields it may grow.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 512)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
    }
}
