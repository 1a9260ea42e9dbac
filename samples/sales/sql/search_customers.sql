SELECT customer_id, name, country, tier, signup_date
FROM customers
WHERE name ILIKE '%' || $name || '%'
  AND ($country IS NULL OR country = $country)
  AND ($tier IS NULL OR tier = $tier)
ORDER BY name, customer_id
LIMIT $limit
