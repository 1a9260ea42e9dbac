namespace Mxcp.Benchmarks;

/// <summary>The orders-like table the DuckDB benchmarks read: one column of each common type, deterministic values.</summary>
internal static class OrdersTable
{
    /// <summary>
    /// Creates <c>orders</c> (BIGINT primary key, INTEGER, TIMESTAMP, VARCHAR, DECIMAL, DOUBLE, BOOLEAN) with
    /// <paramref name="rows"/> rows, <c>order_id</c> 1 to <paramref name="rows"/>.
    /// </summary>
    public static string CreateSql(int rows) => $"""
        CREATE TABLE orders (order_id BIGINT PRIMARY KEY, customer_id INTEGER, ordered_at TIMESTAMP, status VARCHAR,
                             amount DECIMAL(10, 2), score DOUBLE, paid BOOLEAN);
        INSERT INTO orders
        SELECT i,
               (1 + hash(i * 41) % 100000)::INTEGER,
               TIMESTAMP '2024-01-01' + INTERVAL (hash(i * 43) % 525600) MINUTE,
               ['delivered', 'shipped', 'cancelled'][1 + (hash(i * 47) % 3)::INT],
               (1 + hash(i * 53) % 50000 / 100.0)::DECIMAL(10, 2),
               (hash(i) % 1000) / 7.0,
               i % 2 = 0
        FROM range(1, {rows + 1}) t(i)
        """;
}
