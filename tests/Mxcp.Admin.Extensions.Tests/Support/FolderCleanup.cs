namespace Mxcp.Admin.Extensions.Tests.Support;

/// <summary>Deletes a temporary folder a test made, with everything in it, when disposed.</summary>
internal sealed class FolderCleanup(string path) : IDisposable
{
    public void Dispose()
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
