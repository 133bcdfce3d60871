-- Console sign-in (docs/console.md, "Sign-in"): people signed in through OpenID Connect, their
-- cookie sessions, and the logins in flight between the redirect to the issuer and its callback.

-- One row per (issuer, subject): the person's Darkbloom account.
CREATE TABLE oidc_identities (
  issuer text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 500),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
  account_id uuid NOT NULL REFERENCES accounts (id),
  email text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer, subject)
);
CREATE INDEX oidc_identities_account_idx ON oidc_identities (account_id);

-- Only the SHA-256 of the cookie's secret is stored; revoked_at is set by sign-out.
CREATE TABLE console_sessions (
  token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  account_id uuid NOT NULL REFERENCES accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX console_sessions_account_idx ON console_sessions (account_id);
CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);

-- An authorization request in flight (state → PKCE verifier, nonce, sign-up codes); used once.
CREATE TABLE oidc_logins (
  state_hash bytea PRIMARY KEY CHECK (length(state_hash) = 32),
  code_verifier text NOT NULL,
  nonce text NOT NULL,
  invite_code text,
  referral_code text,
  return_to text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX oidc_logins_expires_idx ON oidc_logins (expires_at);
