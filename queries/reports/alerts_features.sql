-- alerts_features: each feature's cost per UTC day over a range of days — the spend alerts' day and the 7 before it
-- (docs/contracts.md §7) — from the daily rollups (group_cost: the groups' quantities × their hour's unit costs).
-- A feature without requests on a day has no row that day. Parameters: 1 first day 'YYYY-MM-DD', 2 the day after
-- the last.
SELECT feature, dt, sum(allocated_cost) + sum(estimated_cost) AS cost
FROM group_cost
WHERE dt >= ? AND dt < ?
GROUP BY feature, dt
ORDER BY feature, dt
