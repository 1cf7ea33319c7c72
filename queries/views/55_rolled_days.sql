-- rolled_days: the days that have a rollup, each with its current roll (the latest; docs/rollups.md). Rolling a day
-- again writes a new roll beside the old one and then removes the old, so a reader sees one whole roll of a day.
CREATE OR REPLACE VIEW rolled_days AS
SELECT dt, max(roll_id) AS roll_id
FROM rollup_rolls
GROUP BY dt
