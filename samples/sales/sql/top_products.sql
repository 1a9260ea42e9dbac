SELECT l.product_id, l.product, l.category, sum(l.quantity)::BIGINT AS units, sum(l.amount)::DOUBLE AS revenue
FROM order_lines l
JOIN orders o USING (order_id)
WHERE o.ordered_at >= $since
  AND o.status <> 'cancelled'
  AND ($category IS NULL OR l.category = $category)
GROUP BY ALL
ORDER BY revenue DESC, product_id
LIMIT $limit
