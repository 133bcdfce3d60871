-- Replicas of one network and the providers each holds (docs/architecture.md, "Many replicas").
-- A replica heartbeats its row; one whose expires_at passed is dead, and the providers it held are
-- no longer routed (they reconnect elsewhere and are written again under their new owner).
CREATE TABLE routing_replicas (
  replica_id text PRIMARY KEY,
  advertise_url text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- One row per registered provider: its owner replica, its Register (models, trust, key,
-- hardware) and its live state (last Heartbeat: slots, capacity; requests in flight).
CREATE TABLE routing_provider_presence (
  provider_id text PRIMARY KEY,
  replica_id text NOT NULL,
  register bytea NOT NULL,
  heartbeat bytea,
  heartbeat_at_ms int8 NOT NULL DEFAULT 0,
  registered_at_ms int8 NOT NULL,
  trust_level int4 NOT NULL,
  routable boolean NOT NULL,
  trust_reason text NOT NULL DEFAULT '',
  fenced_models text[] NOT NULL DEFAULT '{}',
  last_attested_at_ms int8 NOT NULL DEFAULT 0,
  operator_account_id text NOT NULL DEFAULT '',
  in_flight int4 NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX routing_provider_presence_replica ON routing_provider_presence (replica_id);
