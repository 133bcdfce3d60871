import type { DatabasePool } from "@darkbloom/db";
import type { ModelHashes } from "@darkbloom/model-contract";
import { findModel, listModels, type RegisteredModel } from "./model-store.js";

/** Registry lookups for other services (attestation hash checks, /v1/models display data). */
export function createModelRegistry(pool: DatabasePool) {
  return {
    /** The published (not retired) model's hashes, or null when the registry does not list it. */
    async lookupModelHashes(id: string): Promise<ModelHashes | null> {
      const m = await findModel(pool, id);
      if (!m || m.retiredAtMs !== null) return null;
      const { weightHash, chatTemplateHash, files } = m.manifest;
      return {
        weightHash,
        chatTemplateHash,
        files: files.map((f) => ({ path: f.path, sha256: f.sha256 })),
      };
    },
    /** Display metadata of every published model. */
    async listPublished(): Promise<RegisteredModel[]> {
      return listModels(pool, false);
    },
  };
}
export type ModelRegistry = ReturnType<typeof createModelRegistry>;
