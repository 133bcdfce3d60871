-- Which API key made the request a hold belongs to (NULL: a console session or an internal
-- caller), so an account's usage can be summed by key and model.
ALTER TABLE ledger_holds ADD COLUMN api_key_id text;
CREATE INDEX ledger_holds_consumer_key_idx ON ledger_holds (consumer_id, api_key_id, model);
