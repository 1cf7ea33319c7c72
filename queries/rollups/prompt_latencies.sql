-- prompt_latencies: days of the rollup_prompt_latencies table, as the view prompt_latencies_hourly_raw computes
-- them from the raw events; the rollup job keeps the rows of the days it rolls. Parameters: 1 first day
-- 'YYYY-MM-DD' (inclusive), 2 last day (exclusive).
SELECT * FROM prompt_latencies_hourly_raw WHERE dt >= ? AND dt < ?
