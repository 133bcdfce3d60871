-- The model registry: what providers may serve, with the hashes attestation checks and the
-- manifest `darkbloom models download` fetches.
CREATE TABLE models (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]+$'),
  family text NOT NULL,
  quantization text NOT NULL,
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  context_length integer NOT NULL CHECK (context_length >= 0),
  weight_hash text NOT NULL CHECK (weight_hash ~ '^[0-9a-f]{64}$'),
  chat_template_hash text NOT NULL,
  display_name text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  manifest jsonb NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);

CREATE TABLE model_files (
  model_id text NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  path text NOT NULL,
  url text NOT NULL,
  size_bytes bigint NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (model_id, path)
);
