-- Worst cases of a key's in-flight requests, counted by TPM and budget admission until the
-- request settles (or its hold is swept), so concurrent requests cannot overshoot the limits.
CREATE TABLE api_key_reservations (
  request_id text PRIMARY KEY,
  key_id uuid NOT NULL REFERENCES api_keys (id),
  tokens bigint NOT NULL CHECK (tokens >= 0),
  micro_usd bigint NOT NULL CHECK (micro_usd >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_key_reservations_key ON api_key_reservations (key_id);
