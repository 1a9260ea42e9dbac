SELECT
    c.customer_id, c.name, c.email, c.country, c.tier, c.signup_date, c.churned,
    count(o.order_id) AS orders,
    coalesce(sum(l.amount) FILTER (WHERE o.status <> 'cancelled'), 0)::DOUBLE AS lifetime_value,
    max(o.ordered_at) AS last_order_at
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.customer_id
LEFT JOIN (SELECT order_id, sum(amount) AS amount FROM order_lines GROUP BY order_id) l ON l.order_id = o.order_id
WHERE c.customer_id = $customer_id
GROUP BY ALL
