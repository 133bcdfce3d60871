-- Credit leases (docs/money.md, credit leases): a coordinator replica moves credit from a
-- consumer's wallet to its own lease account `lease:<lease id>` in one transaction, places that
-- consumer's holds against it in memory, and charges settlements from it. The lease is renewed
-- while the replica lives; an expired one (the replica died) is returned to the wallet by any
-- replica's sweeper. The epoch changes each time the lease is taken anew, so a settlement made
-- against an epoch that was returned charges nothing.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_id_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_id_check
  CHECK (id ~ '^(consumer|provider|hold|payout|lease):.+$' OR id IN ('platform:revenue', 'platform:stripe_clearing'));

ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
  CHECK (kind IN ('credit', 'hold', 'settle', 'payout', 'payout_paid', 'payout_reversal', 'lease', 'lease_return'));

CREATE TABLE ledger_leases (
  id text PRIMARY KEY,
  consumer_id text NOT NULL,
  replica_id text NOT NULL,
  epoch bigint NOT NULL,
  active boolean NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_leases_expiry_idx ON ledger_leases (expires_at) WHERE active;
CREATE INDEX ledger_leases_consumer_idx ON ledger_leases (consumer_id);

-- A hold placed against a lease is written with its settlement (one batch), naming the lease
-- and epoch it was held against; NULL: a hold of its own (hold:<consumer>).
ALTER TABLE ledger_holds ADD COLUMN lease_id text, ADD COLUMN lease_epoch bigint;
