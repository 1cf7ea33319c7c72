-- tool_calls: days of the rollup_tool_calls table, as the view tool_calls_hourly_raw computes them from the raw events; the
-- rollup job keeps the rows of the days it rolls. Parameters: 1 first day 'YYYY-MM-DD' (inclusive), 2 last day
-- (exclusive).
SELECT * FROM tool_calls_hourly_raw WHERE dt >= ? AND dt < ?
