using Mxcp.Plugins.Upstream.Quarantine;

namespace Mxcp.Plugins.Upstream.Tests;

public sealed class PinStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mxcp-pins-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Approve_ThenOpenAgain_HashesSurvive()
    {
        var store = PinStore.Open(_root);
        Assert.Null(store.Approved("shop", "orders"));
        store.Approve("shop", [KeyValuePair.Create("orders", "sha256:aa"), KeyValuePair.Create("ping", "sha256:bb")]);
        store.Approve("shop", [KeyValuePair.Create("orders", "sha256:cc")]);

        var reopened = PinStore.Open(_root);
        Assert.Equal("sha256:cc", reopened.Approved("shop", "orders"));
        Assert.Equal("sha256:bb", reopened.Approved("shop", "ping"));
        Assert.Null(reopened.Approved("other", "orders"));
        Assert.Equal([Path.Combine(_root, ".mxcp", "upstream-pins.json")], Directory.GetFiles(Path.Combine(_root, ".mxcp")));
    }

    [Fact]
    public void Open_CorruptFile_SaysWhichFileAndWhatToDo()
    {
        Directory.CreateDirectory(Path.Combine(_root, ".mxcp"));
        File.WriteAllText(Path.Combine(_root, ".mxcp", "upstream-pins.json"), "{not json");
        var e = Assert.Throws<InvalidOperationException>(() => PinStore.Open(_root));
        Assert.StartsWith(".mxcp/upstream-pins.json: cannot read the approved upstream tools:", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("fix or delete the file (its tools then wait for approval again)", e.Message, StringComparison.Ordinal);
    }
}
