-- A session is bound to the role its account had at sign-in: a session whose account's role has
-- changed since (granted or withdrawn) is no longer live, so a privilege change always starts a
-- new session with a new id. Sessions from before this column (role NULL) end here too.
ALTER TABLE console_sessions ADD COLUMN role text;
