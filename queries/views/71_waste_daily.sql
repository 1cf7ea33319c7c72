-- waste_daily: the cancellation waste report's rows per day, for BI tools (docs/finance.md "BI tools"): per day,
-- feature, provider and model, the columns of `report waste`, plus the sums its ratios are made of, so a tool can add
-- days up and divide again (waste_share = sum(wasted_cost) ÷ sum(output_cost); propagation_ratio =
-- sum(cancelled_wasted_output_tokens) ÷ sum(cancelled_output_tokens)). From the rolled-up days (docs/rollups.md).
CREATE OR REPLACE VIEW waste_daily AS
WITH outputs AS (
  SELECT
    dt, feature, provider, model, status, requests, quantity AS output_tokens,
    allocated_cost + estimated_cost AS output_cost, wasted_quantity AS wasted
  FROM group_cost
  WHERE usage_type = 'output'
),
sums AS (
  SELECT
    dt, feature, provider, model,
    sum(requests) AS requests,
    sum(CASE WHEN status = 'cancelled' THEN requests ELSE 0 END) AS cancelled_requests,
    sum(wasted) AS wasted_output_tokens,
    sum(CASE WHEN output_tokens > 0 THEN output_cost * wasted / output_tokens ELSE 0 END) AS wasted_cost,
    sum(output_cost) AS output_cost,
    sum(CASE WHEN status = 'cancelled' THEN output_tokens ELSE 0 END) AS cancelled_output_tokens,
    sum(CASE WHEN status = 'cancelled' THEN wasted ELSE 0 END) AS cancelled_wasted_output_tokens
  FROM outputs
  GROUP BY dt, feature, provider, model
)
SELECT
  dt, feature, provider, model, requests, cancelled_requests, wasted_output_tokens, wasted_cost,
  wasted_cost / nullif(output_cost, 0) AS waste_share,
  CAST(cancelled_wasted_output_tokens AS DOUBLE) / nullif(cancelled_output_tokens, 0) AS propagation_ratio,
  output_cost, cancelled_output_tokens, cancelled_wasted_output_tokens
FROM sums
