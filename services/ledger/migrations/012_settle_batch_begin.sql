-- The first round trip of a settlement batch (services/ledger/src/settle-batch.ts): what used to
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
