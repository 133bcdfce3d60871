-- A hold is heartbeated by the coordinator running its request; the stuck-hold sweeper measures
-- staleness from the last heartbeat (or the creation when none came), so a long generation that
-- is still streaming is never swept.
ALTER TABLE ledger_holds ADD COLUMN heartbeat_at timestamptz;
CREATE INDEX ledger_holds_heartbeat_idx ON ledger_holds ((coalesce(heartbeat_at, created_at)));

-- The currency of a Checkout Session we created (the amount is already stored); a completed
-- session whose amount or currency differs is not credited but flagged here.
ALTER TABLE stripe_checkout_sessions
  ADD COLUMN currency text NOT NULL DEFAULT 'usd',
  ADD COLUMN flagged_reason text;

-- Payout attempts: a Transfer that failed indeterminately (network error, Stripe 5xx/429) stays
-- pending and is retried with the same idempotency key until it succeeds or attempts run out.
ALTER TABLE payouts
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN last_error text,
  ADD COLUMN attempted_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX payouts_pending_idx ON payouts (attempted_at) WHERE status = 'pending';

-- Stripe Connect onboarding: whether the connected account can receive payouts (from Stripe's
-- `account.updated`); an account linked by an admin is vouched for (true).
ALTER TABLE payout_accounts ADD COLUMN payouts_enabled boolean NOT NULL DEFAULT true;
