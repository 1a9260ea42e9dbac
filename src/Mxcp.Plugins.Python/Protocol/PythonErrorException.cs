namespace Mxcp.Plugins.Python.Protocol;

/// <summary>
/// An error answer of the worker: a Python exception raised by endpoint code (its message is what the client sees),
/// a module that cannot be loaded, or a cancelled call. The traceback is for the server log only.
/// </summary>
internal sealed class PythonErrorException(int code, string message, string? pythonType = null, string? traceback = null) : Exception(message)
{
    /// <summary>An exception raised by Python code.</summary>
    public const int ExecutionError = -32000;

    /// <summary>A module that cannot be imported, or a function that is not there.</summary>
    public const int LoadError = -32001;

    /// <summary>The call was cancelled in the worker.</summary>
    public const int Cancelled = -32002;

    /// <summary>The function returned a value that cannot be sent as JSON.</summary>
    public const int EncodingError = -32003;

    /// <summary>The result has more rows than the host's result limit (the worker checks before sending it).</summary>
    public const int TooManyRows = -32004;

    /// <summary>The result's JSON is larger than the host's result limit.</summary>
    public const int TooManyBytes = -32005;

    public int Code { get; } = code;

    /// <summary>The Python exception's class name (<c>ValueError</c>), when there was one.</summary>
    public string? PythonType { get; } = pythonType;

    /// <summary>The Python traceback, when there was one.</summary>
    public string? PythonTraceback { get; } = traceback;
}
