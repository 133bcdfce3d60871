-- The settlement statements look their rows up by key, whatever the table statistics say.
--
-- A session plans these statements once and keeps the plans (plpgsql caches a trigger's
-- statements; the batch functions force generic plans). A coordinator's sessions plan them while
-- the ledger is small (a new installation, or before autovacuum's next ANALYZE): the entries
-- check was then planned as a hash join over a sequential scan of ledger_entries and
-- ledger_transactions, and the batch's begin joined ledger_settlements the same way. Those
-- plans stayed, and every later batch read the whole of those tables: 60,000 rows per batch at
-- 30,000 settlements (services/ledger/src/settle-plans.test.ts). Each lookup is now a LATERAL
-- subquery with an aggregate or a LIMIT, which Postgres cannot flatten into a join: it runs once
-- per key, as an index scan. The results are the same rows as before.

CREATE OR REPLACE FUNCTION ledger_post_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
  wanted bigint;
  present bigint;
BEGIN
  SELECT i.id, t.total, t.missing INTO bad
  FROM (SELECT DISTINCT transaction_id AS id FROM inserted) i
  CROSS JOIN LATERAL (
    SELECT sum(e.amount_micro_usd) AS total,
           NOT EXISTS (SELECT 1 FROM ledger_transactions tx WHERE tx.id = i.id) AS missing
    FROM ledger_entries e WHERE e.transaction_id = i.id
  ) t
  WHERE t.total <> 0 OR t.missing
  LIMIT 1;
  IF FOUND AND bad.missing THEN
    RAISE EXCEPTION 'ledger transaction % does not exist', bad.id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entries_transaction_id_fkey';
  END IF;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger transaction % is unbalanced by % micro-USD', bad.id, bad.total
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_balanced';
  END IF;
  -- Writers lock their accounts in id order before posting; locking again in that order keeps
  -- one that did not from deadlocking with one that did.
  SELECT count(DISTINCT account) INTO wanted FROM inserted;
  PERFORM 1 FROM ledger_accounts WHERE id IN (SELECT account FROM inserted) ORDER BY id FOR UPDATE;
  GET DIAGNOSTICS present = ROW_COUNT;
  IF present <> wanted THEN
    RAISE EXCEPTION 'ledger entry for an account that does not exist'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entries_account_fkey';
  END IF;
  UPDATE ledger_accounts a SET balance_micro_usd = a.balance_micro_usd + s.amount
  FROM (SELECT account, sum(amount_micro_usd)::bigint AS amount FROM inserted GROUP BY account) s
  WHERE a.id = s.account AND s.amount <> 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ledger_settle_batch_begin(
  request_ids text[],
  hold_request_ids text[], hold_consumer_ids text[], hold_models text[],
  hold_input_prices int8[], hold_output_prices int8[], hold_held int8[], hold_api_key_ids text[],
  hold_lease_ids text[], hold_epochs int8[], hold_claim_ids text[], hold_client_request_ids text[],
  claim_consumer_ids text[], claim_client_request_ids text[], claim_ids text[],
  claim_fingerprints text[],
  lease_ids text[]
) RETURNS TABLE (
  kind text,
  id text,
  consumer_id text,
  claim_id text,
  input_micro_usd_per_million int8,
  output_micro_usd_per_million int8,
  held_micro_usd int8,
  lease_id text,
  lease_epoch int8,
  written boolean,
  referrer_id text,
  charged_micro_usd int8,
  provider_credit_micro_usd int8,
  platform_fee_micro_usd int8,
  released_micro_usd int8,
  active boolean
) LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  inserted text[] := '{}';
BEGIN
  IF cardinality(hold_request_ids) > 0 THEN
    WITH claimed AS (
      INSERT INTO ledger_request_claims (consumer_id, client_request_id, claim_id, request_fingerprint)
      SELECT c.consumer_id, c.client_request_id, c.claim_id, decode(c.fingerprint, 'hex')
      FROM unnest(claim_consumer_ids, claim_client_request_ids, claim_ids, claim_fingerprints)
        AS c(consumer_id, client_request_id, claim_id, fingerprint)
      ON CONFLICT (consumer_id, client_request_id) DO NOTHING
    ), held AS (
      INSERT INTO ledger_holds (request_id, consumer_id, model, input_micro_usd_per_million,
        output_micro_usd_per_million, held_micro_usd, api_key_id, lease_id, lease_epoch,
        claim_id, client_request_id)
      SELECT * FROM unnest(hold_request_ids, hold_consumer_ids, hold_models, hold_input_prices,
        hold_output_prices, hold_held, hold_api_key_ids, hold_lease_ids, hold_epochs,
        hold_claim_ids, hold_client_request_ids)
      ON CONFLICT (request_id) DO NOTHING
      RETURNING request_id
    )
    SELECT coalesce(array_agg(held.request_id), '{}') INTO inserted FROM held;
  END IF;

  PERFORM 1 FROM ledger_holds h WHERE h.request_id = ANY(request_ids)
    ORDER BY h.request_id FOR UPDATE;
  IF cardinality(lease_ids) > 0 THEN
    PERFORM 1 FROM ledger_leases l WHERE l.id = ANY(lease_ids) ORDER BY l.id FOR UPDATE;
  END IF;

  -- request_id and account_id are the primary keys: LIMIT 1 changes no result, and keeps each
  -- lookup a per-hold index scan.
  RETURN QUERY
    SELECT 'hold'::text, h.request_id, h.consumer_id, h.claim_id, h.input_micro_usd_per_million,
           h.output_micro_usd_per_million, h.held_micro_usd, h.lease_id, h.lease_epoch,
           h.request_id = ANY(inserted), r.referrer_id, s.charged_micro_usd,
           s.provider_credit_micro_usd, s.platform_fee_micro_usd, s.released_micro_usd,
           NULL::boolean
    FROM ledger_holds h
    LEFT JOIN LATERAL (
      SELECT s.charged_micro_usd, s.provider_credit_micro_usd, s.platform_fee_micro_usd,
             s.released_micro_usd
      FROM ledger_settlements s WHERE s.request_id = h.request_id LIMIT 1
    ) s ON true
    LEFT JOIN LATERAL (
      SELECT r.referrer_id FROM referrals r WHERE r.account_id = h.consumer_id LIMIT 1
    ) r ON true
    WHERE h.request_id = ANY(request_ids)
    UNION ALL
    SELECT 'lease'::text, l.id, NULL, NULL, NULL, NULL, NULL, NULL, l.epoch, NULL, NULL, NULL,
           NULL, NULL, NULL, l.active
    FROM ledger_leases l
    WHERE cardinality(lease_ids) > 0 AND l.id = ANY(lease_ids);
END $$;

-- CREATE OR REPLACE resets a function's SET clauses: the begin keeps its generic plan (012).
ALTER FUNCTION ledger_settle_batch_begin SET plan_cache_mode = force_generic_plan;
