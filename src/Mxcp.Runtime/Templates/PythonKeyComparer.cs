namespace Mxcp.Runtime.Templates;

/// <summary>Python equality and hashing for dict keys and <c>unique</c>: <c>1</c>, <c>1.0</c> and <c>True</c> are the same key.</summary>
internal sealed class PythonKeyComparer : IEqualityComparer<object>
{
    public static readonly PythonKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => PythonOps.AreEqual(x, y);

    public int GetHashCode(object obj) => PythonOps.Hash(obj);
}
