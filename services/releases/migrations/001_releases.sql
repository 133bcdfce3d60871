CREATE TABLE releases (
  version text PRIMARY KEY,
  notes text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE release_artifacts (
  version text NOT NULL REFERENCES releases (version) ON DELETE CASCADE,
  platform text NOT NULL,
  url text NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (version, platform)
);
