-- customer_usage_hourly_raw: the deduplicated requests' usage per UTC hour, customer and pricing key (request_usage:
-- provider, price model, usage type, service tier, context tier), the shape of the rollup_customer_usage table
-- (docs/rollups.md). `quantity` is tokens, or calls for a tool; `requests` the requests with a row of that usage type
-- (every request has its output row, so a customer's requests are its output rows' sum). Requests without a
-- customer are one group, customer_id null. Costed by equality with hourly_rates, as the margin report costs its
-- groups, so the customers' costs add up to the month's request cost.
CREATE OR REPLACE VIEW customer_usage_hourly_raw AS
SELECT
  date_trunc('hour', ts) AS hour, customer_id, provider, price_model, usage_type, service_tier, context_tier,
  count(*) AS requests,
  sum(CAST(tokens AS BIGINT)) AS quantity,
  dt
FROM request_usage
WHERE tokens <> 0 OR usage_type = 'output'
GROUP BY dt, date_trunc('hour', ts), customer_id, provider, price_model, usage_type, service_tier, context_tier
