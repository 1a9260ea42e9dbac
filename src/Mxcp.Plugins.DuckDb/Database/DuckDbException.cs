namespace Mxcp.Plugins.DuckDb.Database;

/// <summary>An error reported by DuckDB or by the plugin's use of it; the message is meant for the user.</summary>
internal sealed class DuckDbException : Exception
{
    public DuckDbException(string message) : base(message)
    {
    }

    public DuckDbException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
