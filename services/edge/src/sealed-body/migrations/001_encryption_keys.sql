-- The coordinator's X25519 key pairs for sealed request bodies (compat mode), one row per kid.
-- secret_key holds the secret sealed under DARKBLOOM_KEY_ENCRYPTION_KEY (XSalsa20-Poly1305,
-- nonce prepended) when that is configured, else the raw 32 bytes (secret_sealed = false).
CREATE TABLE edge_encryption_keys (
  kid text PRIMARY KEY,
  public_key bytea NOT NULL CHECK (octet_length(public_key) = 32),
  secret_key bytea NOT NULL,
  secret_sealed boolean NOT NULL,
  created_at_ms bigint NOT NULL
);

CREATE INDEX edge_encryption_keys_created ON edge_encryption_keys (created_at_ms DESC);
