-- revenue_effective: revenue per month and customer as last imported. A later import that has a customer's
-- month restates it (finance corrects and re-exports); importing the same file twice stores it once.
CREATE OR REPLACE VIEW revenue_effective AS
SELECT month, customer_id, cohort, amount, currency, source_file
FROM (
  SELECT r.*, rank() OVER (PARTITION BY month, customer_id ORDER BY ingested_at DESC) AS import_rank
  FROM revenue r
) imports
WHERE import_rank = 1
