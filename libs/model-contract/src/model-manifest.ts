import { z } from "zod";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits");

/**
 * The manifest format `darkbloom models publish` sends, the registry (services/releases) stores
 * and `models download` reads: every file with URL, size and SHA-256.
 */
export const modelManifestSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]+$/),
  family: z.string().min(1),
  quantization: z.string().min(1),
  sizeBytes: z.number().int().nonnegative(),
  contextLength: z.number().int().nonnegative(),
  weightHash: sha256,
  chatTemplateHash: z.string(),
  displayName: z.string().default(""),
  description: z.string().default(""),
  files: z
    .array(
      z.object({
        path: z.string().regex(/^[A-Za-z0-9._-]+$/),
        url: z
          .string()
          .url()
          .regex(/^https?:\/\//, "must be an http(s) URL"),
        sizeBytes: z.number().int().nonnegative(),
        sha256,
      }),
    )
    .min(1),
});
export type ModelManifest = z.infer<typeof modelManifestSchema>;

export const parseModelManifest = (json: unknown): ModelManifest => modelManifestSchema.parse(json);

/** What attestation checks a provider's `ModelInfo` against: the registry's hashes of a model. */
export interface ModelHashes {
  weightHash: string;
  chatTemplateHash: string;
  files: ReadonlyArray<{ path: string; sha256: string }>;
}
