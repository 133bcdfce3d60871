-- Every change to a model's price is announced on channel darkbloom_prices (payload: the model,
-- '*' for the default), however it is made: each replica's price cache for lease-backed holds
-- drops the entry when the change commits (services/ledger/src/price-cache.ts).
CREATE FUNCTION model_prices_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('darkbloom_prices', COALESCE(NEW.model, OLD.model));
  RETURN NULL;
END $$;

CREATE TRIGGER model_prices_notify
  AFTER INSERT OR UPDATE OR DELETE ON model_prices
  FOR EACH ROW EXECUTE FUNCTION model_prices_notify();
