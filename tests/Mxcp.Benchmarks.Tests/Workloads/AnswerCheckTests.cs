using Mxcp.Benchmarks.Harness.Workloads;

namespace Mxcp.Benchmarks.Tests.Workloads;

public sealed class AnswerCheckTests
{
    [Theory]
    [InlineData("""event: message\ndata: {"result":{"content":[{"type":"text","text":"[{\u0022customer_id\u0022:81731}]"}]},"id":1,"jsonrpc":"2.0"}""", true)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"81731"}],"isError":true}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad order_id 81731"}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"[]"}]}}""", false)]
    public void IsGood_Answer_RequiresTheValueAndNoError(string body, bool good)
    {
        Assert.Equal(good, AnswerCheck.IsGood(body, "81731"));
    }
}
