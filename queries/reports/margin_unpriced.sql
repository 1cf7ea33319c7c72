-- margin_unpriced: the month's requests costed at 0 because their model has neither an invoice line nor a price,
-- per provider and model (the model as the request names it), most requests first.
-- Parameters: 1 first day of the month 'YYYY-MM-DD', 2 first day of the next month (dt bounds).
SELECT provider, model, count(DISTINCT event_id) AS requests
FROM request_cost
WHERE unpriced AND dt >= ? AND dt < ?
GROUP BY provider, model
ORDER BY requests DESC, provider, model
