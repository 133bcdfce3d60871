-- Settlements are written in batches: one INSERT carries the entries of many ledger transactions
-- (settle-batch.ts). The per-entry row triggers made that cost grow with the batch: a balance
-- update per entry (an account in every settlement, platform:revenue, was updated once per entry,
-- each update walking a longer version chain), a balanced check per entry at commit, and two
-- foreign-key probes per entry. Now one statement-level trigger checks and applies a whole INSERT
-- with set-based queries. The rules are the same, or stricter:
--   * every transaction posted to exists and its entries sum to zero when the INSERT statement
--     ends (before: when the database transaction commits; every writer inserts a transaction's
--     entries in one statement);
--   * every account posted to exists (the account foreign key, now checked here), and neither an
--     account nor a transaction with entries can be deleted or renumbered (what the two foreign
--     keys also guaranteed);
--   * each account's cached balance moves by the sum of its entries (the not-negative CHECK fires
--     on that update), only through this trigger (the guard, depth 2, is unchanged).
DROP TRIGGER ledger_entries_apply ON ledger_entries;
DROP FUNCTION ledger_apply_entry();
DROP TRIGGER ledger_entries_balanced ON ledger_entries;
DROP FUNCTION ledger_check_balanced();
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_account_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_transaction_id_fkey;

CREATE FUNCTION ledger_post_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
  wanted bigint;
  present bigint;
BEGIN
  SELECT t.id, t.total, tx.id IS NULL AS missing INTO bad
  FROM (SELECT e.transaction_id AS id, sum(e.amount_micro_usd) AS total FROM ledger_entries e
        WHERE e.transaction_id IN (SELECT DISTINCT transaction_id FROM inserted)
        GROUP BY e.transaction_id) t
  LEFT JOIN ledger_transactions tx ON tx.id = t.id
  WHERE t.total <> 0 OR tx.id IS NULL
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

CREATE TRIGGER ledger_entries_post
  AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_post_entries();

CREATE FUNCTION ledger_keep_posted_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id)
     AND EXISTS (SELECT 1 FROM ledger_entries WHERE account = OLD.id) THEN
    RAISE EXCEPTION 'ledger account % has entries', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER ledger_accounts_keep_posted
  BEFORE UPDATE OF id OR DELETE ON ledger_accounts
  FOR EACH ROW EXECUTE FUNCTION ledger_keep_posted_account();

CREATE FUNCTION ledger_keep_posted_transaction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id)
     AND EXISTS (SELECT 1 FROM ledger_entries WHERE transaction_id = OLD.id) THEN
    RAISE EXCEPTION 'ledger transaction % has entries', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER ledger_transactions_keep_posted
  BEFORE UPDATE OF id OR DELETE ON ledger_transactions
  FOR EACH ROW EXECUTE FUNCTION ledger_keep_posted_transaction();
