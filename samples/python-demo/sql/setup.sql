-- The demo's catalog: the same rows on every machine.
CREATE OR REPLACE TABLE products AS
SELECT
    i AS product_id,
    ['Widget', 'Gadget', 'Gizmo', 'Sprocket', 'Flange'][1 + (i % 5)] || ' ' || i AS name,
    ['hardware', 'garden', 'office'][1 + (i % 3)] AS category,
    (5 + (i * 37 % 200) / 4.0)::DECIMAL(10, 2) AS price,
    DATE '2024-01-01' + (i * 11 % 300)::INT AS added_on
FROM range(1, 31) t(i);

CREATE TABLE IF NOT EXISTS worker_events (event VARCHAR, happened_at TIMESTAMP);
