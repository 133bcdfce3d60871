-- Double-entry ledger in integer micro-USD. Balances are a cache of the entries, maintained
-- only by the entry trigger; every transaction's entries must sum to zero (checked at commit).

CREATE TABLE ledger_accounts (
  -- consumer:<id>, provider:<id>, hold:<consumer id>, platform:revenue, platform:stripe_clearing
  id text PRIMARY KEY CHECK (id ~ '^(consumer|provider|hold):.+$' OR id IN ('platform:revenue', 'platform:stripe_clearing')),
  allow_negative boolean NOT NULL DEFAULT false,
  balance_micro_usd bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_accounts_not_negative CHECK (allow_negative OR balance_micro_usd >= 0)
);

-- Deposits enter through the clearing account, which is the only one allowed below zero.
INSERT INTO ledger_accounts (id, allow_negative) VALUES
  ('platform:revenue', false),
  ('platform:stripe_clearing', true);

CREATE TABLE ledger_transactions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('credit', 'hold', 'settle')),
  reference text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id bigint NOT NULL REFERENCES ledger_transactions (id),
  account text NOT NULL REFERENCES ledger_accounts (id),
  amount_micro_usd bigint NOT NULL CHECK (amount_micro_usd <> 0)
);

CREATE INDEX ledger_entries_transaction_idx ON ledger_entries (transaction_id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account);

-- Zero-sum, enforced by the database: checked when the transaction commits.
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  total numeric;
BEGIN
  SELECT coalesce(sum(amount_micro_usd), 0) INTO total
  FROM ledger_entries WHERE transaction_id = NEW.transaction_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % is unbalanced by % micro-USD', NEW.transaction_id, total
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_balanced';
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_entries_balanced
  AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

-- Entries are append-only.
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only' USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER ledger_entries_append_only
  BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

-- The balance cache follows the entries (the not-negative CHECK fires here).
CREATE FUNCTION ledger_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ledger_accounts SET balance_micro_usd = balance_micro_usd + NEW.amount_micro_usd
  WHERE id = NEW.account;
  RETURN NULL;
END $$;

CREATE TRIGGER ledger_entries_apply
  AFTER INSERT ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_apply_entry();

-- ... and nothing else may change it.
CREATE FUNCTION ledger_balance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.balance_micro_usd IS DISTINCT FROM OLD.balance_micro_usd AND pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'ledger balances change only through ledger entries' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER ledger_accounts_balance_guard
  BEFORE UPDATE ON ledger_accounts
  FOR EACH ROW EXECUTE FUNCTION ledger_balance_guard();

-- One row per request: the worst-case amount moved to hold:<consumer> and the price it was held at.
CREATE TABLE ledger_holds (
  request_id text PRIMARY KEY,
  consumer_id text NOT NULL,
  model text NOT NULL,
  input_micro_usd_per_million bigint NOT NULL,
  output_micro_usd_per_million bigint NOT NULL,
  held_micro_usd bigint NOT NULL CHECK (held_micro_usd >= 0),
  transaction_id bigint REFERENCES ledger_transactions (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per settled request; replays of Settle return these figures.
CREATE TABLE ledger_settlements (
  request_id text PRIMARY KEY REFERENCES ledger_holds (request_id),
  provider_id text NOT NULL,
  prompt_tokens bigint NOT NULL CHECK (prompt_tokens >= 0),
  completion_tokens bigint NOT NULL CHECK (completion_tokens >= 0),
  input_micro_usd_per_million bigint NOT NULL,
  output_micro_usd_per_million bigint NOT NULL,
  charged_micro_usd bigint NOT NULL CHECK (charged_micro_usd >= 0),
  provider_credit_micro_usd bigint NOT NULL CHECK (provider_credit_micro_usd >= 0),
  platform_fee_micro_usd bigint NOT NULL CHECK (platform_fee_micro_usd >= 0),
  released_micro_usd bigint NOT NULL CHECK (released_micro_usd >= 0),
  transaction_id bigint REFERENCES ledger_transactions (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (charged_micro_usd = provider_credit_micro_usd + platform_fee_micro_usd)
);

-- One row per idempotency key; replays of Credit change nothing.
CREATE TABLE ledger_credits (
  idempotency_key text PRIMARY KEY,
  account text NOT NULL,
  amount_micro_usd bigint NOT NULL CHECK (amount_micro_usd > 0),
  reason text NOT NULL,
  transaction_id bigint REFERENCES ledger_transactions (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
