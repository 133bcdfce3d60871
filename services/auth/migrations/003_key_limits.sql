-- Per-key limits (NULL = unlimited) and the counters that enforce them across replicas.
ALTER TABLE api_keys
  ADD COLUMN rpm_limit integer CHECK (rpm_limit > 0),
  ADD COLUMN tpm_limit bigint CHECK (tpm_limit > 0),
  ADD COLUMN budget_micro_usd bigint CHECK (budget_micro_usd >= 0),
  ADD COLUMN budget_period text NOT NULL DEFAULT 'month' CHECK (budget_period IN ('day', 'week', 'month'));

-- Fixed one-minute windows: requests admitted and tokens used per key.
CREATE TABLE api_key_rate_windows (
  key_id uuid NOT NULL REFERENCES api_keys (id),
  window_start timestamptz NOT NULL,
  requests integer NOT NULL DEFAULT 0,
  tokens bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, window_start)
);

-- Spend per key and budget period (date_trunc of the period).
CREATE TABLE api_key_spend (
  key_id uuid NOT NULL REFERENCES api_keys (id),
  period_start timestamptz NOT NULL,
  spent_micro_usd bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, period_start)
);
