SELECT date_trunc('month', o.ordered_at)::DATE AS month,
       count(DISTINCT o.order_id) AS orders,
       coalesce(sum(l.amount) FILTER (WHERE o.status <> 'cancelled'), 0)::DOUBLE AS revenue
FROM orders o
JOIN customers c USING (customer_id)
JOIN order_lines l USING (order_id)
WHERE year(o.ordered_at) = $year
  AND ($country IS NULL OR c.country = $country)
GROUP BY ALL
ORDER BY month
