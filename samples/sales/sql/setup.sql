-- Deterministic sample data for the sales project: the same rows on every machine.
-- Pseudo-random values come from hash() of the row number, so there is no seed to manage.

CREATE OR REPLACE TABLE customers AS
SELECT
    i AS customer_id,
    ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Niklaus',
     'Radia', 'John', 'Lynn', 'Tim', 'Anita', 'Dennis', 'Sophie', 'Linus', 'Hedy', 'Guido'][1 + (hash(i * 7) % 20)::INT]
      || ' ' ||
    ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Wirth',
     'Perlman', 'Backus', 'Conway', 'Berners-Lee', 'Borg', 'Ritchie', 'Wilson', 'Torvalds', 'Lamarr', 'van Rossum'][1 + (hash(i * 13) % 20)::INT]
      AS name,
    'customer' || i || '@example.com' AS email,
    ['US', 'DE', 'FR', 'GB', 'NL', 'ES', 'IT', 'CA', 'JP', 'BR'][1 + (hash(i * 17) % 10)::INT] AS country,
    ['standard', 'gold', 'platinum'][1 + (hash(i * 19) % 3)::INT] AS tier,
    DATE '2020-01-01' + ((hash(i * 23) % 1460)::INT) AS signup_date,
    (hash(i * 29) % 20) = 0 AS churned
FROM range(1, 1001) t(i);

CREATE OR REPLACE TABLE products AS
SELECT
    i AS product_id,
    ['Widget', 'Gadget', 'Gizmo', 'Doohickey', 'Sprocket', 'Flange', 'Bracket', 'Valve', 'Coupler', 'Bearing'][1 + (i % 10)]
      || ' ' || ['Mini', 'Pro', 'Max', 'Lite', 'Plus'][1 + (i // 10 % 5)] || ' ' || (i // 50 + 1) AS name,
    ['hardware', 'electronics', 'tools', 'garden', 'office'][1 + (hash(i * 31) % 5)::INT] AS category,
    round(5 + (hash(i * 37) % 49500) / 100.0, 2)::DECIMAL(10, 2) AS unit_price
FROM range(1, 201) t(i);

CREATE OR REPLACE TABLE orders AS
SELECT
    i AS order_id,
    1 + (hash(i * 41) % 1000)::INT AS customer_id,
    TIMESTAMP '2023-01-01 00:00:00' + INTERVAL (hash(i * 43) % (730 * 24 * 60)) MINUTE AS ordered_at,
    ['delivered', 'delivered', 'delivered', 'shipped', 'cancelled'][1 + (hash(i * 47) % 5)::INT] AS status
FROM range(1, 20001) t(i);

CREATE OR REPLACE TABLE order_items AS
SELECT
    o.order_id,
    n AS line,
    1 + (hash(o.order_id * 53 + n) % 200)::INT AS product_id,
    1 + (hash(o.order_id * 59 + n) % 5)::INT AS quantity
FROM orders o, range(1, 1 + 1 + (hash(o.order_id * 61) % 5)::INT) t(n);

CREATE OR REPLACE VIEW order_lines AS
SELECT oi.order_id, oi.line, oi.product_id, p.name AS product, p.category, oi.quantity, p.unit_price,
       (oi.quantity * p.unit_price)::DECIMAL(12, 2) AS amount
FROM order_items oi JOIN products p USING (product_id);

SELECT
    (SELECT count(*) FROM customers) AS customers,
    (SELECT count(*) FROM products) AS products,
    (SELECT count(*) FROM orders) AS orders,
    (SELECT count(*) FROM order_items) AS order_items;
