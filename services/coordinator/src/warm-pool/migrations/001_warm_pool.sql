-- The warm-pool policy, shared by every replica (SetWarmPoolPolicy on any replica writes it; the
-- replica holding the controller lease reads it), and the controller's last status (read by
-- GetWarmPoolStatus on any replica).
CREATE TABLE warm_pool_targets (
  model text PRIMARY KEY,
  min_warm integer NOT NULL CHECK (min_warm >= 0),
  max_warm integer NOT NULL CHECK (max_warm >= 0),
  target_utilization_percent integer NOT NULL
    CHECK (target_utilization_percent BETWEEN 0 AND 100),
  max_loads_per_minute integer NOT NULL CHECK (max_loads_per_minute >= 0)
);

-- Bumped by every policy write: the controller polls it to pick a change up.
CREATE TABLE warm_pool_policy_version (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version bigint NOT NULL
);
INSERT INTO warm_pool_policy_version (singleton, version) VALUES (true, 0);

CREATE TABLE warm_pool_status (
  model text PRIMARY KEY,
  target integer NOT NULL,
  warm_provider_ids text[] NOT NULL,
  loading_provider_ids text[] NOT NULL,
  failed_loads integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
