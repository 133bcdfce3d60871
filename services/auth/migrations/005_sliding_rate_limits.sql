-- RPM and TPM count a sliding 60-second window: one row per key and second (requests admitted,
-- tokens settled), summed over the last 60 s. Rows older than that decide nothing: they are
-- deleted on each write for the key and by the periodic prune for every key.
CREATE TABLE api_key_rate_seconds (
  key_id uuid NOT NULL REFERENCES api_keys (id),
  second_start timestamptz NOT NULL,
  requests integer NOT NULL DEFAULT 0 CHECK (requests >= 0),
  tokens bigint NOT NULL DEFAULT 0 CHECK (tokens >= 0),
  PRIMARY KEY (key_id, second_start)
);
CREATE INDEX api_key_rate_seconds_start_idx ON api_key_rate_seconds (second_start);
DROP TABLE api_key_rate_windows;

-- A reservation is heartbeated while its request runs; one whose heartbeat stopped (the
-- coordinator died before the hold, or the settlement could not drop it) is pruned.
ALTER TABLE api_key_reservations ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX api_key_reservations_heartbeat_idx ON api_key_reservations (heartbeat_at);
