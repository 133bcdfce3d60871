-- Which P-256 identity key each provider id (fingerprint of its X25519 key) is bound to
-- (docs/security/attestation.md#identity-binding): the first identity seen wins; it changes only
-- by a rotation signed with the bound key or by an admin reset. Shared by every replica.
CREATE TABLE provider_identities (
  provider_id text PRIMARY KEY,
  -- SEC1 compressed P-256 public key.
  identity_public_key bytea NOT NULL CHECK (octet_length(identity_public_key) = 33),
  bound_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
