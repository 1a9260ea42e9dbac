using Mxcp.Runtime.Types;

namespace Mxcp.Runtime.Tests.Types;

public sealed class ClrValueComparerTests
{
    private static readonly ClrValueComparer Comparer = ClrValueComparer.Instance;

    public static TheoryData<object?, object?> EqualPairs => new()
    {
        { null, null },
        { "a", "a" },
        { 1L, 1.0 },
        { 1L, 1 },
        { 2.5, 2.5f },
        { true, true },
        { new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 1) },
        { new DateTimeOffset(2024, 1, 1, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 1, 1, 14, 0, 0, TimeSpan.FromHours(2)) },
        { new object?[] { 1L, "x", null }, new object?[] { 1.0, "x", null } },
        { new Dictionary<string, object?> { ["a"] = 1L, ["b"] = 2L }, new Dictionary<string, object?> { ["b"] = 2L, ["a"] = 1L } },
    };

    public static TheoryData<object?, object?> DifferentPairs => new()
    {
        { null, "a" },
        { "a", "A" },
        { "1", 1L },
        { 1L, 1.5 },
        { true, 1L },
        { new object?[] { 1L, 2L }, new object?[] { 2L, 1L } },
        { new object?[] { 1L }, new object?[] { 1L, 1L } },
        { new Dictionary<string, object?> { ["a"] = 1L }, new Dictionary<string, object?> { ["a"] = 2L } },
        { new Dictionary<string, object?> { ["a"] = 1L }, new Dictionary<string, object?> { ["b"] = 1L } },
    };

    [Theory]
    [MemberData(nameof(EqualPairs))]
    public void Equals_JsonEqualValues_AreEqualWithEqualHashes(object? x, object? y)
    {
        Assert.True(Comparer.Equals(x, y));
        Assert.True(Comparer.Equals(y, x));
        Assert.Equal(Comparer.GetHashCode(x), Comparer.GetHashCode(y));
    }

    [Theory]
    [MemberData(nameof(DifferentPairs))]
    public void Equals_DifferentValues_AreNotEqual(object? x, object? y)
    {
        Assert.False(Comparer.Equals(x, y));
        Assert.False(Comparer.Equals(y, x));
    }
}
