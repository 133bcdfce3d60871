-- A consumer's x-request-id is claimed once per account (DESIGN §10): the HTTP request that
-- claimed it (claim_id) may hold under it (once per fallback model, or on an internal retry);
-- any other request reusing it is refused. The fingerprint is a keyed hash of the request,
-- never its plaintext; it tells a retry of the same request from another one.
CREATE TABLE ledger_request_claims (
  consumer_id text NOT NULL,
  client_request_id text NOT NULL,
  claim_id text NOT NULL,
  request_fingerprint bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_id, client_request_id)
);

-- Which claim (HTTP request) a hold belongs to, and the consumer's id for it: usage can be
-- looked up by the x-request-id the consumer sent.
ALTER TABLE ledger_holds
  ADD COLUMN claim_id text,
  ADD COLUMN client_request_id text;
CREATE INDEX ledger_holds_claim_idx ON ledger_holds (claim_id) WHERE claim_id IS NOT NULL;
CREATE INDEX ledger_holds_client_request_idx ON ledger_holds (consumer_id, client_request_id)
  WHERE client_request_id IS NOT NULL;
