-- Usage is looked up by the response's generation id as well as the request id, and a settlement
-- made by the stuck-hold sweeper (zero usage, nothing charged) says so.
ALTER TABLE ledger_settlements
  ADD COLUMN generation_id text,
  ADD COLUMN swept boolean NOT NULL DEFAULT false;
CREATE INDEX ledger_settlements_generation_idx ON ledger_settlements (generation_id)
  WHERE generation_id IS NOT NULL;

-- The sweeper scans unsettled holds by age.
CREATE INDEX ledger_holds_created_idx ON ledger_holds (created_at);
