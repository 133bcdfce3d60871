-- Unauthenticated code creation is capped per client address (and in total): the address of each
-- code is kept so replicas share one count; old codes are purged as new ones are created.
ALTER TABLE device_codes ADD COLUMN client_ip text NOT NULL DEFAULT '';
CREATE INDEX device_codes_ip_created_idx ON device_codes (client_ip, created_at);
CREATE INDEX device_codes_expires_idx ON device_codes (expires_at);
