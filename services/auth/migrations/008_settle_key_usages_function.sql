-- Settled requests' key usage (services/auth/src/key-usage-batch.ts) as one function call: the
-- same single statement, whose plan Postgres now keeps for the session (a query sent as text is
-- parsed and planned at every batch, i.e. about once per request). Each request's key reservation
-- is dropped and its tokens and charge are added to its key's rate window (current second) and
-- period spend, summed per key, keys in id order.
CREATE FUNCTION auth_settle_key_usages(
  p_key_ids uuid[], p_request_ids text[], p_tokens int8[], p_micro_usd int8[],
  p_window_seconds integer
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  WITH usage AS (
    SELECT * FROM unnest(p_key_ids, p_request_ids, p_tokens, p_micro_usd)
      AS u(key_id, request_id, tokens, micro_usd)
  ), released AS (
    DELETE FROM api_key_reservations r USING usage u WHERE r.request_id = u.request_id
  ), per_key AS (
    SELECT k.id AS key_id, k.budget_period,
      sum(u.tokens)::int8 AS tokens, sum(u.micro_usd)::int8 AS micro_usd
    FROM usage u JOIN api_keys k ON k.id = u.key_id
    GROUP BY k.id, k.budget_period
  ), pruned AS (
    DELETE FROM api_key_rate_seconds w USING per_key p
    WHERE w.key_id = p.key_id AND w.second_start <= now() - make_interval(secs => p_window_seconds)
  ), counted AS (
    INSERT INTO api_key_rate_seconds AS w (key_id, second_start, requests, tokens)
    SELECT p.key_id, date_trunc('second', now()), 0, p.tokens FROM per_key p ORDER BY p.key_id
    ON CONFLICT (key_id, second_start) DO UPDATE SET tokens = w.tokens + EXCLUDED.tokens
  )
  INSERT INTO api_key_spend AS s (key_id, period_start, spent_micro_usd)
  SELECT p.key_id, date_trunc(p.budget_period, now()), p.micro_usd FROM per_key p ORDER BY p.key_id
  ON CONFLICT (key_id, period_start) DO UPDATE SET spent_micro_usd = s.spent_micro_usd + EXCLUDED.spent_micro_usd;
END $$;

-- Planned once per session, the plan kept (not planned again per call for the arrays' lengths).
ALTER FUNCTION auth_settle_key_usages SET plan_cache_mode = force_generic_plan;
