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

-- A settlement batch in one call, so one round trip and no explicit transaction (the call is its
-- own): ledger_settle_batch_begin (write the leased holds, lock, read), then each settlement
-- planned as settle.ts's planSettlement plans a lone one, then ledger_settle_batch_write. The
-- money rules (money.ts): cost = ceil((prompt × input price + completion × output price) / 10^6),
-- charged = min(cost, held), provider = floor(95 % of charged), platform fee = the rest, released =
-- held - charged, the referrer's share = floor(referral_percent % of the platform fee). A hold
-- placed against a lease charges the lease; one whose lease was returned or taken anew (another
-- epoch) is recorded swept, charging nothing. Returns one row per request, in order: status 'ok'
-- (planned and written now), 'replay' (settled before: its recorded figures), 'no_hold', or
-- 'no_provider' (usage to charge and no provider account); the last two write nothing.
CREATE TYPE ledger_settle_plan AS (
  n bigint,
  request_id text,
  status text,
  consumer_id text,
  lease_id text,
  lease_lost boolean,
  provider_id text,
  prompt_tokens int8,
  completion_tokens int8,
  input_price int8,
  output_price int8,
  held int8,
  charged int8,
  provider_credit int8,
  platform_fee int8,
  released int8,
  referrer_id text,
  referral int8,
  generation_id text,
  machine_id text,
  swept boolean,
  from_lease int8
);

CREATE FUNCTION ledger_settle_batch(
  request_ids text[],
  -- per request, in the order of request_ids
  provider_ids text[], prompt_tokens int8[], completion_tokens int8[], generation_ids text[],
  machine_ids text[], swept boolean[], leased boolean[],
  -- the leased holds and their claims, as ledger_settle_batch_begin takes them
  hold_request_ids text[], hold_consumer_ids text[], hold_models text[],
  hold_input_prices int8[], hold_output_prices int8[], hold_held int8[], hold_api_key_ids text[],
  hold_lease_ids text[], hold_epochs int8[], hold_claim_ids text[], hold_client_request_ids text[],
  claim_consumer_ids text[], claim_client_request_ids text[], claim_ids text[],
  claim_fingerprints text[],
  lease_ids text[],
  referral_percent integer
) RETURNS TABLE (
  request_id text,
  status text,
  charged_micro_usd int8,
  provider_credit_micro_usd int8,
  platform_fee_micro_usd int8,
  released_micro_usd int8,
  from_lease_micro_usd int8,
  lease_lost boolean
) LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  plans ledger_settle_plan[];
  accounts text[];
  posted text[];
  entry_references text[];
  entry_accounts text[];
  entry_amounts int8[];
BEGIN
  WITH b AS MATERIALIZED (
    SELECT * FROM ledger_settle_batch_begin(request_ids, hold_request_ids, hold_consumer_ids,
      hold_models, hold_input_prices, hold_output_prices, hold_held, hold_api_key_ids,
      hold_lease_ids, hold_epochs, hold_claim_ids, hold_client_request_ids, claim_consumer_ids,
      claim_client_request_ids, claim_ids, claim_fingerprints, lease_ids)
  ), i AS (
    SELECT * FROM unnest(request_ids, provider_ids, prompt_tokens, completion_tokens,
      generation_ids, machine_ids, swept, leased)
      WITH ORDINALITY AS i(request_id, provider_id, prompt, completion, generation_id, machine_id,
        swept, leased, n)
  ), j AS (
    SELECT i.n, i.request_id, i.leased, h.id IS NOT NULL AS found, h.consumer_id, h.lease_id,
      h.held_micro_usd AS held, h.input_micro_usd_per_million AS input_price,
      h.output_micro_usd_per_million AS output_price, h.written, h.referrer_id,
      h.charged_micro_usd AS rec_charged, h.provider_credit_micro_usd AS rec_provider,
      h.platform_fee_micro_usd AS rec_platform, h.released_micro_usd AS rec_released,
      (h.lease_id IS NOT NULL
        AND (l.active IS NOT TRUE OR l.lease_epoch IS DISTINCT FROM h.lease_epoch)) AS lost,
      i.provider_id, i.prompt, i.completion, i.generation_id, i.machine_id, i.swept
    FROM i
    LEFT JOIN b h ON h.kind = 'hold' AND h.id = i.request_id
    LEFT JOIN b l ON l.kind = 'lease' AND l.id = h.lease_id
  ), u AS (
    -- against a lost lease: as the sweeper settles (no provider, no usage, swept)
    SELECT j.*,
      CASE WHEN j.lost THEN '' ELSE j.provider_id END AS u_provider,
      CASE WHEN j.lost THEN 0 ELSE j.prompt END AS u_prompt,
      CASE WHEN j.lost THEN 0 ELSE j.completion END AS u_completion,
      CASE WHEN j.lost THEN '' ELSE j.generation_id END AS u_generation,
      CASE WHEN j.lost THEN '' ELSE j.machine_id END AS u_machine,
      j.lost OR j.swept AS u_swept
    FROM j
  ), c AS (
    SELECT u.*, least(div(u.u_prompt::numeric * u.input_price
        + u.u_completion::numeric * u.output_price + 999999, 1000000), u.held)::int8 AS charged
    FROM u
  ), f AS (
    SELECT c.*, div(c.charged * 95, 100)::int8 AS provider_credit FROM c
  ), g AS (
    SELECT f.*, f.charged - f.provider_credit AS platform_fee, f.held - f.charged AS released,
      CASE WHEN f.referrer_id IS NULL THEN 0::int8
        ELSE div((f.charged - f.provider_credit) * referral_percent, 100)::int8 END AS referral,
      CASE
        WHEN NOT f.found THEN 'no_hold'
        WHEN f.rec_charged IS NOT NULL THEN 'replay'
        WHEN f.leased AND f.written IS NOT TRUE THEN 'no_hold'
        WHEN div(f.charged * 95, 100) > 0 AND f.u_provider = '' THEN 'no_provider'
        ELSE 'ok'
      END AS status
    FROM f
  )
  SELECT array_agg(ROW(g.n, g.request_id, g.status, g.consumer_id, g.lease_id, g.lost,
      g.u_provider, g.u_prompt, g.u_completion, g.input_price, g.output_price, g.held,
      CASE WHEN g.status = 'replay' THEN g.rec_charged ELSE g.charged END,
      CASE WHEN g.status = 'replay' THEN g.rec_provider ELSE g.provider_credit END,
      CASE WHEN g.status = 'replay' THEN g.rec_platform ELSE g.platform_fee END,
      CASE WHEN g.status = 'replay' THEN g.rec_released ELSE g.released END,
      g.referrer_id, g.referral, g.u_generation, g.u_machine, g.u_swept,
      CASE
        WHEN g.status = 'replay' AND g.leased THEN 0::int8
        WHEN g.status = 'ok' AND g.lease_id IS NOT NULL THEN g.charged
      END)::ledger_settle_plan ORDER BY g.n)
  INTO plans FROM g;

  -- each settlement's entries (zero amounts dropped): from the hold account (the remainder back
  -- to the wallet) or the lease, to the provider, the platform and the referrer
  SELECT array_agg(e.reference ORDER BY e.n, e.k), array_agg(e.account ORDER BY e.n, e.k),
         array_agg(e.amount ORDER BY e.n, e.k)
  INTO entry_references, entry_accounts, entry_amounts
  FROM (
    SELECT p.n, v.k, p.request_id AS reference, v.account, v.amount
    FROM unnest(plans) p
    CROSS JOIN LATERAL (VALUES
      (1, CASE WHEN p.lease_id IS NULL THEN 'hold:' || p.consumer_id ELSE 'lease:' || p.lease_id END,
          CASE WHEN p.lease_id IS NULL THEN -p.held ELSE -p.charged END),
      (2, 'consumer:' || p.consumer_id, CASE WHEN p.lease_id IS NULL THEN p.released ELSE 0 END),
      (3, 'provider:' || p.provider_id, p.provider_credit),
      (4, 'platform:revenue', p.platform_fee - p.referral),
      (5, 'consumer:' || coalesce(p.referrer_id, ''), p.referral)
    ) AS v(k, account, amount)
    WHERE p.status = 'ok' AND v.amount <> 0
  ) e;
  SELECT array_agg(DISTINCT a ORDER BY a) INTO accounts FROM unnest(entry_accounts) a;
  SELECT array_agg(p.request_id ORDER BY p.n) INTO posted FROM unnest(plans) p
  WHERE p.status = 'ok' AND p.request_id = ANY(entry_references);

  IF EXISTS (SELECT 1 FROM unnest(plans) p WHERE p.status = 'ok') THEN
    PERFORM ledger_settle_batch_write(
      coalesce(accounts, '{}'), coalesce(posted, '{}'), coalesce(entry_references, '{}'),
      coalesce(entry_accounts, '{}'), coalesce(entry_amounts, '{}'),
      s.request_ids, s.provider_ids, s.prompt_tokens, s.completion_tokens, s.input_prices,
      s.output_prices, s.charged, s.provider_credits, s.platform_fees, s.released,
      s.referrer_ids, s.referrals, s.generation_ids, s.swept, s.machine_ids)
    FROM (
      SELECT array_agg(p.request_id ORDER BY p.n) AS request_ids,
        array_agg(p.provider_id ORDER BY p.n) AS provider_ids,
        array_agg(p.prompt_tokens ORDER BY p.n) AS prompt_tokens,
        array_agg(p.completion_tokens ORDER BY p.n) AS completion_tokens,
        array_agg(p.input_price ORDER BY p.n) AS input_prices,
        array_agg(p.output_price ORDER BY p.n) AS output_prices,
        array_agg(p.charged ORDER BY p.n) AS charged,
        array_agg(p.provider_credit ORDER BY p.n) AS provider_credits,
        array_agg(p.platform_fee ORDER BY p.n) AS platform_fees,
        array_agg(p.released ORDER BY p.n) AS released,
        array_agg(p.referrer_id ORDER BY p.n) AS referrer_ids,
        array_agg(p.referral ORDER BY p.n) AS referrals,
        array_agg(p.generation_id ORDER BY p.n) AS generation_ids,
        array_agg(p.swept ORDER BY p.n) AS swept,
        array_agg(p.machine_id ORDER BY p.n) AS machine_ids
      FROM unnest(plans) p WHERE p.status = 'ok'
    ) s;
  END IF;

  RETURN QUERY
    SELECT p.request_id, p.status, p.charged, p.provider_credit, p.platform_fee, p.released,
      p.from_lease, CASE WHEN p.status = 'ok' AND p.lease_id IS NOT NULL THEN p.lease_lost END
    FROM unnest(plans) p ORDER BY p.n;
END $$;

-- The functions' statements are planned once per session and the plan kept (a custom plan per
-- call would plan them again at every batch: their row estimates depend on the arrays' lengths).
ALTER FUNCTION ledger_settle_batch_begin SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_settle_batch_write SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_settle_batch SET plan_cache_mode = force_generic_plan;
