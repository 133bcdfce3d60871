-- (ephemeral public key || nonce) of every accepted sealed request body, kept until the key it was
-- sealed to stops being accepted: one set for all replicas, so a captured body replayed to any
-- of them is refused (409).
CREATE TABLE edge_sealed_body_replays (
  id bytea PRIMARY KEY,
  forget_at_ms bigint NOT NULL
);
CREATE INDEX edge_sealed_body_replays_forget ON edge_sealed_body_replays (forget_at_ms);
