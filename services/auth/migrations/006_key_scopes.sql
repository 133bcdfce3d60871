-- Scopes are enforced from this version on. Before, every key could do all its account's role
-- allowed, whatever its `scopes` column said: give each existing key exactly that.
UPDATE api_keys k
SET scopes = CASE WHEN a.role = 'admin'
  THEN ARRAY['inference', 'account:read', 'account:write', 'admin']
  ELSE ARRAY['inference', 'account:read', 'account:write'] END
FROM accounts a
WHERE a.id = k.account_id;
