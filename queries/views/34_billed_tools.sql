-- billed_tools: the server-side tools a provider bills per call that an invoice line or the price book names
-- (usage type tool:<name>), with the JSON path of the tool's count in an event's tool_calls. Requests' calls of
-- a tool named by neither are not costed: nothing says what they cost.
CREATE OR REPLACE VIEW billed_tools AS
SELECT provider, usage_type, concat('$["', substr(usage_type, 6), '"]') AS calls_path
FROM (
  SELECT provider, usage_type FROM cost_lines WHERE usage_type LIKE 'tool:%'
  UNION
  SELECT provider, usage_type FROM price_book WHERE usage_type LIKE 'tool:%'
) named
