-- Settlement batches (services/ledger/src/settle-batch.ts) as two function calls, each one round
-- trip whose statements Postgres plans once per session (a query sent as text is parsed and
-- planned at every batch).
--
-- ledger_settle_batch_begin: the first round trip of a settlement batch: what used to
-- be four statements, each its own round trip, in one call. In order, each statement with its own
-- snapshot (a VOLATILE function under READ COMMITTED takes one per statement):
--   1. writes the holds placed against credit leases, with the request claims of generated
--      request ids (a hold whose request id is taken is not written: the earlier one stands);
--   2. locks the holds of the batch (FOR UPDATE, in request id order: two batches, a batch and
--      the sweeper or a heartbeat cannot deadlock);
--   3. locks their leases (FOR UPDATE, in id order);
--   4. returns each existing hold with its recorded settlement (read after the lock, so it sees a
--      settlement committed by a transaction the lock waited for), its consumer's referrer and
--      whether step 1 wrote it (kind 'hold'), and each existing lease (kind 'lease').
-- Run inside the batch's transaction (the locks last until it commits).
CREATE FUNCTION ledger_settle_batch_begin(
  request_ids text[],
  -- the leased holds, one array per column
  hold_request_ids text[], hold_consumer_ids text[], hold_models text[],
  hold_input_prices int8[], hold_output_prices int8[], hold_held int8[], hold_api_key_ids text[],
  hold_lease_ids text[], hold_epochs int8[], hold_claim_ids text[], hold_client_request_ids text[],
  -- the request claims of the leased holds with a generated request id
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

  RETURN QUERY
    SELECT 'hold'::text, h.request_id, h.consumer_id, h.claim_id, h.input_micro_usd_per_million,
           h.output_micro_usd_per_million, h.held_micro_usd, h.lease_id, h.lease_epoch,
           h.request_id = ANY(inserted), r.referrer_id, s.charged_micro_usd,
           s.provider_credit_micro_usd, s.platform_fee_micro_usd, s.released_micro_usd,
           NULL::boolean
    FROM ledger_holds h
    LEFT JOIN ledger_settlements s ON s.request_id = h.request_id
    LEFT JOIN referrals r ON r.account_id = h.consumer_id
    WHERE h.request_id = ANY(request_ids)
    UNION ALL
    SELECT 'lease'::text, l.id, NULL, NULL, NULL, NULL, NULL, NULL, l.epoch, NULL, NULL, NULL,
           NULL, NULL, NULL, l.active
    FROM ledger_leases l
    WHERE cardinality(lease_ids) > 0 AND l.id = ANY(lease_ids);
END $$;

-- The second statement of a settlement batch: creates the accounts it posts to that do not exist
-- yet, per settlement its ledger transaction (kind 'settle', reference = request id) with its
-- non-zero entries, and its ledger_settlements row pointing at it (no transaction when every
-- amount is zero); one INSERT of entries, so the entries' statement trigger (migration 007) locks
-- the accounts in id order, checks each transaction sums to zero and moves the balances once.
-- A function so that Postgres keeps the statement's plan for the session (a query sent as text is
-- parsed and planned at every batch).
CREATE FUNCTION ledger_settle_batch_write(
  accounts text[],
  -- the request ids that post a ledger transaction, in order
  posted text[],
  -- the entries: request id, account, amount
  entry_references text[], entry_accounts text[], entry_amounts int8[],
  -- the ledger_settlements rows, one array per column
  s_request_ids text[], s_provider_ids text[], s_prompt_tokens int8[], s_completion_tokens int8[],
  s_input_prices int8[], s_output_prices int8[], s_charged int8[], s_provider_credits int8[],
  s_platform_fees int8[], s_released int8[], s_referrer_ids text[], s_referrals int8[],
  s_generation_ids text[], s_swept boolean[], s_machine_ids text[]
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  WITH created AS (
    INSERT INTO ledger_accounts (id)
    SELECT a.id FROM unnest(accounts) AS a(id)
    ON CONFLICT (id) DO NOTHING
  ), tx AS (
    INSERT INTO ledger_transactions (kind, reference)
    SELECT 'settle', t.reference FROM unnest(posted) WITH ORDINALITY AS t(reference, n)
    ORDER BY t.n
    RETURNING id, reference
  ), entries AS (
    INSERT INTO ledger_entries (transaction_id, account, amount_micro_usd)
    SELECT tx.id, e.account, e.amount
    FROM unnest(entry_references, entry_accounts, entry_amounts) AS e(reference, account, amount)
    JOIN tx ON tx.reference = e.reference
    ORDER BY tx.id, e.account
  )
  INSERT INTO ledger_settlements (
    request_id, provider_id, prompt_tokens, completion_tokens,
    input_micro_usd_per_million, output_micro_usd_per_million,
    charged_micro_usd, provider_credit_micro_usd, platform_fee_micro_usd, released_micro_usd,
    referrer_id, referral_micro_usd, transaction_id, generation_id, swept, machine_id)
  SELECT s.request_id, s.provider_id, s.prompt_tokens, s.completion_tokens,
         s.input_price, s.output_price, s.charged, s.provider_credit, s.platform_fee, s.released,
         s.referrer_id, s.referral, tx.id, nullif(s.generation_id, ''), s.swept,
         nullif(s.machine_id, '')
  FROM unnest(s_request_ids, s_provider_ids, s_prompt_tokens, s_completion_tokens,
      s_input_prices, s_output_prices, s_charged, s_provider_credits, s_platform_fees, s_released,
      s_referrer_ids, s_referrals, s_generation_ids, s_swept, s_machine_ids)
    WITH ORDINALITY AS s(request_id, provider_id, prompt_tokens, completion_tokens,
      input_price, output_price, charged, provider_credit, platform_fee, released,
      referrer_id, referral, generation_id, swept, machine_id, n)
  LEFT JOIN tx ON tx.reference = s.request_id
  ORDER BY s.n;
END $$;

-- The functions' statements are planned once per session and the plan kept (a custom plan per
-- call would plan them again at every batch: their row estimates depend on the arrays' lengths).
ALTER FUNCTION ledger_settle_batch_begin SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_settle_batch_write SET plan_cache_mode = force_generic_plan;
