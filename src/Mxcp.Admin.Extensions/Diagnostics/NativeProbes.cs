using System.Runtime.InteropServices;

namespace Mxcp.Admin.Diagnostics;

/// <summary>Linux facts that .NET does not expose: who holds a POSIX lock on a file, whether the kernel's clock is synchronised.</summary>
internal static partial class NativeProbes
{
    private const int FGetLk = 5;
    private const short FWrLck = 1;
    private const short FUnLck = 2;
    private const int TimeError = 5;

    /// <summary>
    /// The process id holding a POSIX (fcntl) lock on <paramref name="path"/> that would conflict with a write lock, as
    /// DuckDB takes one; <c>0</c> when none, <see langword="null"/> when it cannot be told. Opening and closing the
    /// file drops every POSIX lock this process holds on it, so never call this in a process that has the file open.
    /// </summary>
    public static int? LockHolder(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var request = new FLock { Type = FWrLck, Whence = 0, Start = 0, Length = 0 };
            return Fcntl((int)handle.DangerousGetHandle(), FGetLk, ref request) != 0 ? null : request.Type == FUnLck ? 0 : request.Pid;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether the kernel says the clock is synchronised (<c>adjtimex</c>); <see langword="null"/> when it cannot be told.</summary>
    public static bool? ClockSynchronized()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // struct timex is 208 bytes on 64-bit Linux; modes = 0 (the first field) only reads.
        var buffer = new byte[512];
        var state = Adjtimex(buffer);
        return state < 0 ? null : state != TimeError;
    }

    [StructLayout(LayoutKind.Explicit, Size = 32)]
    private struct FLock
    {
        [FieldOffset(0)] public short Type;
        [FieldOffset(2)] public short Whence;
        [FieldOffset(8)] public long Start;
        [FieldOffset(16)] public long Length;
        [FieldOffset(24)] public int Pid;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, ref FLock argument);

    [LibraryImport("libc", EntryPoint = "adjtimex", SetLastError = true)]
    private static partial int Adjtimex([In, Out] byte[] timex);
}
