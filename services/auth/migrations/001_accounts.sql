CREATE TABLE accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  role text NOT NULL CHECK (role IN ('consumer', 'provider', 'admin')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX accounts_role_idx ON accounts (role);
