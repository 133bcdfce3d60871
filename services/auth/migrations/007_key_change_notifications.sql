-- Replicas verify API keys from memory (api-key-cache.ts) and drop what changed when Postgres
-- tells them: every change to a key that matters for verifying it (creation, revocation, scopes,
-- limits, owner, deletion) notifies `darkbloom_api_keys` with `key:<hex SHA-256 of the key>`,
-- every change to an account (role, deletion) with `account:<id>`. Triggers, so any writer is
-- covered, including SQL typed by an operator. `last_used_at` stamps notify nothing.
CREATE FUNCTION api_keys_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM pg_notify('darkbloom_api_keys', 'key:' || encode(OLD.hash, 'hex'));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM pg_notify('darkbloom_api_keys', 'key:' || encode(NEW.hash, 'hex'));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER api_keys_notify_change
  AFTER INSERT OR DELETE OR UPDATE OF account_id, hash, scopes, revoked_at, rpm_limit, tpm_limit,
    budget_micro_usd, budget_period ON api_keys
  FOR EACH ROW EXECUTE FUNCTION api_keys_notify_change();

CREATE FUNCTION accounts_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('darkbloom_api_keys', 'account:' || OLD.id::text);
  RETURN NULL;
END $$;

CREATE TRIGGER accounts_notify_change
  AFTER UPDATE OR DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION accounts_notify_change();
