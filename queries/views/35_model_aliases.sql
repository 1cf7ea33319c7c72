-- model_aliases: which snapshot a model alias stands for, from when to when (the price book's usage type 'alias'
-- rows; docs/contracts.md §5). A request recorded under an alias (`gpt-4o-mini`, as a cancelled stream may name
-- its model) is priced, allocated and reported as the snapshot in force at its ts (`gpt-4o-mini-2024-07-18`).
CREATE OR REPLACE VIEW model_aliases AS
SELECT provider, model AS alias, alias_of AS model, valid_from, valid_to
FROM price_book
WHERE usage_type = 'alias' AND alias_of IS NOT NULL
