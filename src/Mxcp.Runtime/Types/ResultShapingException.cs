namespace Mxcp.Runtime.Types;

/// <summary>
/// A raw result cannot take the shape of the declared return type (for example a SQL query that returns two rows
/// for <c>return: {type: object}</c>). The message is shown to the client.
/// </summary>
internal sealed class ResultShapingException : Exception
{
    public ResultShapingException(string message)
        : base(message)
    {
    }
}
