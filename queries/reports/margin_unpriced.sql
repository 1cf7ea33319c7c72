-- margin_unpriced: the month's requests costed at 0 because their model has neither an invoice line nor a price,
-- per provider and model (an alias resolved to its snapshot), most requests first.
-- Parameters: 1 first day of the month 'YYYY-MM-DD', 2 first day of the next month (dt bounds).
SELECT provider, model, sum(requests) AS requests
FROM unpriced_groups
WHERE dt >= ? AND dt < ?
GROUP BY provider, model
ORDER BY requests DESC, provider, model
