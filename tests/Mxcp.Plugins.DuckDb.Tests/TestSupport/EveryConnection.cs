using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Execution;

namespace Mxcp.Plugins.DuckDb.Tests.TestSupport;

/// <summary>
/// Runs a query on every pooled connection, all rented at once, the way the executor runs a call (the call context
/// attached while rented, the query on the connection's own thread). The pool hands out the connection used last, so
/// calls one after the other, or a burst of them, need not reach every connection.
/// </summary>
internal static class EveryConnection
{
    public static async Task<JsonArray[]> QueryAsync(
        DuckDbExecutor executor, string sql, IReadOnlyDictionary<string, object?>? parameters = null, CallContext? context = null)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var leases = new List<DuckDbConnectionLease>();
        try
        {
            for (var i = 0; i < executor.Pool.Size; i++)
            {
                leases.Add(await executor.Pool.RentAsync(context, cancellationToken));
            }

            Assert.Equal(executor.Pool.Size, leases.Select(l => l.Connection.Id).Distinct().Count());
            return await Task.WhenAll(leases.Select(l => l.Connection.RunAsync(c => c.Execute(sql, parameters, cancellationToken), cancellationToken)));
        }
        finally
        {
            foreach (var lease in leases)
            {
                lease.Dispose();
            }
        }
    }
}
