-- Referral shares, usage history, invites, Stripe deposits and Connect payouts.

-- payout:<provider id> holds a payout between the request and Stripe's answer.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_id_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_id_check
  CHECK (id ~ '^(consumer|provider|hold|payout):.+$' OR id IN ('platform:revenue', 'platform:stripe_clearing'));

ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
  CHECK (kind IN ('credit', 'hold', 'settle', 'payout', 'payout_paid', 'payout_reversal'));

-- The referrer's part of the platform fee (platform_fee_micro_usd stays the gross fee) and a
-- sequence for paging usage history.
ALTER TABLE ledger_settlements
  ADD COLUMN referrer_id text,
  ADD COLUMN referral_micro_usd bigint NOT NULL DEFAULT 0,
  ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY,
  ADD CONSTRAINT ledger_settlements_referral_within_fee
    CHECK (referral_micro_usd >= 0 AND referral_micro_usd <= platform_fee_micro_usd);
CREATE UNIQUE INDEX ledger_settlements_seq_idx ON ledger_settlements (seq);
CREATE INDEX ledger_holds_consumer_idx ON ledger_holds (consumer_id);

-- One code per referrer; an account is referred at most once, never by itself.
CREATE TABLE referral_codes (
  code text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_-]{4,64}$'),
  account_id text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE referrals (
  account_id text PRIMARY KEY,
  referrer_id text NOT NULL,
  code text NOT NULL REFERENCES referral_codes (code),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (account_id <> referrer_id)
);

-- Invite codes grant starting credit; one redemption per account and code.
CREATE TABLE invite_codes (
  code text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_-]{4,64}$'),
  credit_micro_usd bigint NOT NULL CHECK (credit_micro_usd > 0),
  max_uses integer NOT NULL CHECK (max_uses > 0),
  uses integer NOT NULL DEFAULT 0,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (uses >= 0 AND uses <= max_uses)
);
CREATE TABLE invite_redemptions (
  code text NOT NULL REFERENCES invite_codes (code),
  account_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (code, account_id)
);

-- Checkout Sessions we created (the webhook credits the account recorded here) and every
-- Stripe event id seen (a replayed event changes nothing).
CREATE TABLE stripe_checkout_sessions (
  session_id text PRIMARY KEY,
  account_id text NOT NULL,
  amount_micro_usd bigint NOT NULL CHECK (amount_micro_usd > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE stripe_events (
  event_id text PRIMARY KEY,
  type text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- Stripe Connect: a provider account's connected account, and its payouts.
CREATE TABLE payout_accounts (
  account_id text PRIMARY KEY,
  stripe_account_id text NOT NULL CHECK (stripe_account_id ~ '^acct_[A-Za-z0-9]+$'),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE payouts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id text NOT NULL,
  amount_micro_usd bigint NOT NULL CHECK (amount_micro_usd > 0 AND amount_micro_usd % 10000 = 0),
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'reversed')),
  stripe_transfer_id text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payouts_account_idx ON payouts (account_id, created_at DESC);
