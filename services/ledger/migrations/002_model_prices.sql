-- Price per million tokens; the row for model '*' is the default for models without their own.
CREATE TABLE model_prices (
  model text PRIMARY KEY CHECK (length(model) BETWEEN 1 AND 200),
  input_micro_usd_per_million bigint NOT NULL CHECK (input_micro_usd_per_million >= 0),
  output_micro_usd_per_million bigint NOT NULL CHECK (output_micro_usd_per_million >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- $0.50 per million input tokens, $1.50 per million output tokens.
INSERT INTO model_prices (model, input_micro_usd_per_million, output_micro_usd_per_million)
VALUES ('*', 500000, 1500000);
