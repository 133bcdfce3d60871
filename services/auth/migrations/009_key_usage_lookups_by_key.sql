-- Key usage settlement looks its rows up by key, whatever the table statistics say (as ledger
-- migration 013 does for the settlement batch). The function's plan is kept for the session; a
-- session that planned it while api_keys and api_key_reservations held a few rows joined them
-- by hash over a sequential scan, and every later batch read every API key of every account
-- (services/auth/src/key-usage-plans.test.ts). The reservations are deleted by request id, each
-- key's budget period read per key (a LATERAL lookup Postgres cannot flatten into a join), and
-- the old rate seconds pruned per key: index scans. Same rows written as before.
CREATE OR REPLACE FUNCTION auth_settle_key_usages(
  p_key_ids uuid[], p_request_ids text[], p_tokens int8[], p_micro_usd int8[],
  p_window_seconds integer
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  WITH usage AS (
    SELECT * FROM unnest(p_key_ids, p_request_ids, p_tokens, p_micro_usd)
      AS u(key_id, request_id, tokens, micro_usd)
  ), released AS (
    DELETE FROM api_key_reservations r WHERE r.request_id = ANY(p_request_ids)
  ), per_key AS (
    SELECT u.key_id, k.budget_period,
      sum(u.tokens)::int8 AS tokens, sum(u.micro_usd)::int8 AS micro_usd
    FROM usage u
    CROSS JOIN LATERAL (
      SELECT k.budget_period FROM api_keys k WHERE k.id = u.key_id LIMIT 1
    ) k
    GROUP BY u.key_id, k.budget_period
  ), pruned AS (
    DELETE FROM api_key_rate_seconds w
    WHERE w.key_id = ANY(ARRAY(SELECT p.key_id FROM per_key p))
      AND w.second_start <= now() - make_interval(secs => p_window_seconds)
  ), counted AS (
    INSERT INTO api_key_rate_seconds AS w (key_id, second_start, requests, tokens)
    SELECT p.key_id, date_trunc('second', now()), 0, p.tokens FROM per_key p ORDER BY p.key_id
    ON CONFLICT (key_id, second_start) DO UPDATE SET tokens = w.tokens + EXCLUDED.tokens
  )
  INSERT INTO api_key_spend AS s (key_id, period_start, spent_micro_usd)
  SELECT p.key_id, date_trunc(p.budget_period, now()), p.micro_usd FROM per_key p ORDER BY p.key_id
  ON CONFLICT (key_id, period_start) DO UPDATE SET spent_micro_usd = s.spent_micro_usd + EXCLUDED.spent_micro_usd;
END $$;

-- CREATE OR REPLACE resets a function's SET clauses: the plan stays generic (008).
ALTER FUNCTION auth_settle_key_usages SET plan_cache_mode = force_generic_plan;
