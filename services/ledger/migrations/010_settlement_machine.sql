-- Which machine (provider id) served a settled request: a provider operator's earnings per
-- machine (GET /v1/provider/machines). provider_id stays the account credited; NULL = unknown
-- (settlements from before this column, swept holds).
ALTER TABLE ledger_settlements ADD COLUMN machine_id text;
CREATE INDEX ledger_settlements_provider_machine_idx ON ledger_settlements (provider_id, machine_id)
  WHERE machine_id IS NOT NULL;
