-- waste: the cancellation tax (docs/contracts.md §7), per feature, provider and model over a date range.
-- wasted output = max(0, output - delivered) of every request (delivered absent: all of it reached the user);
-- its cost uses the request's own output unit cost (allocated, else estimated), as the margin report does.
-- propagation_ratio = undelivered ÷ output over the cancelled requests: near 1, the stop never reached the
-- provider. Parameters: 1 first day 'YYYY-MM-DD' (inclusive), 2 last day (exclusive).
-- Read from the output rows of group_cost: a group's requests share their output unit cost, so the group's wasted
-- cost is its output cost × wasted ÷ output tokens, the sum of its requests' wasted costs.
WITH outputs AS (
  SELECT
    feature, provider, model, status, requests, quantity AS output_tokens,
    allocated_cost + estimated_cost AS output_cost,
    wasted_quantity AS wasted
  FROM group_cost
  WHERE usage_type = 'output' AND dt >= ? AND dt < ?
)
SELECT
  feature,
  provider,
  model,
  sum(requests) AS requests,
  sum(CASE WHEN status = 'cancelled' THEN requests ELSE 0 END) AS cancelled_requests,
  sum(wasted) AS wasted_output_tokens,
  sum(CASE WHEN output_tokens > 0 THEN output_cost * wasted / output_tokens ELSE 0 END) AS wasted_cost,
  sum(CASE WHEN output_tokens > 0 THEN output_cost * wasted / output_tokens ELSE 0 END)
    / nullif(sum(output_cost), 0) AS waste_share,
  CAST(sum(CASE WHEN status = 'cancelled' THEN wasted END) AS DOUBLE)
    / nullif(sum(CASE WHEN status = 'cancelled' THEN output_tokens END), 0) AS propagation_ratio
FROM outputs
GROUP BY feature, provider, model
ORDER BY wasted_cost DESC, feature, provider, model
