-- The provider code-tree hash inside each artifact (docs/security/attestation.md): what a provider
-- of this release reports as its binary hash. Empty for releases registered without it.
ALTER TABLE release_artifacts
  ADD COLUMN tree_sha256 text NOT NULL DEFAULT ''
    CHECK (tree_sha256 = '' OR tree_sha256 ~ '^[0-9a-f]{64}$');
