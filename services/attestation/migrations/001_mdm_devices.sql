-- MDM enrollment per device (docs/security/attestation.md#apple-enrollment), written by
-- authenticated check-ins, read by every coordinator replica when it computes trust levels.
CREATE TABLE mdm_devices (
  udid text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('authenticated', 'enrolled', 'checked_out')),
  serial_number text NOT NULL DEFAULT '',
  topic text NOT NULL DEFAULT '',
  -- APNs device token (TokenUpdate `Token`) and push magic (`PushMagic`): what a push needs.
  push_token bytea,
  push_magic text NOT NULL DEFAULT '',
  -- SHA-256 (hex) of the device identity certificate that signed the check-ins.
  identity_cert_sha256 text NOT NULL CHECK (identity_cert_sha256 ~ '^[0-9a-f]{64}$'),
  updated_at timestamptz NOT NULL DEFAULT now()
);
