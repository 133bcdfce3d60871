import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { modelManifestSchema, type ModelManifest } from "@darkbloom/model-contract";

export interface RegisteredModel {
  manifest: ModelManifest;
  publishedAtMs: number;
  retiredAtMs: number | null;
}

const row = z.object({
  manifest: z.unknown(),
  published_at_ms: z.number(),
  retired_at_ms: z.number().nullable(),
});

const toModel = (r: z.infer<typeof row>): RegisteredModel => ({
  manifest: modelManifestSchema.parse(r.manifest),
  publishedAtMs: Math.round(r.published_at_ms),
  retiredAtMs: r.retired_at_ms === null ? null : Math.round(r.retired_at_ms),
});

const SELECT = sql.fragment`
  SELECT manifest, (extract(epoch FROM published_at) * 1000)::float8 AS published_at_ms,
         (extract(epoch FROM retired_at) * 1000)::float8 AS retired_at_ms FROM models`;

/** Publishes (or republishes, un-retiring) a model with its files. */
export async function upsertModel(db: DbConnection, m: ModelManifest): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(sql.unsafe`
      INSERT INTO models (id, family, quantization, size_bytes, context_length, weight_hash,
                          chat_template_hash, display_name, description, manifest)
      VALUES (${m.id}, ${m.family}, ${m.quantization}, ${m.sizeBytes}, ${m.contextLength},
              ${m.weightHash}, ${m.chatTemplateHash}, ${m.displayName}, ${m.description}, ${sql.jsonb(m)})
      ON CONFLICT (id) DO UPDATE SET family = EXCLUDED.family, quantization = EXCLUDED.quantization,
        size_bytes = EXCLUDED.size_bytes, context_length = EXCLUDED.context_length,
        weight_hash = EXCLUDED.weight_hash, chat_template_hash = EXCLUDED.chat_template_hash,
        display_name = EXCLUDED.display_name, description = EXCLUDED.description,
        manifest = EXCLUDED.manifest, published_at = now(), retired_at = NULL`);
    await tx.query(sql.unsafe`DELETE FROM model_files WHERE model_id = ${m.id}`);
    for (const f of m.files)
      await tx.query(sql.unsafe`
        INSERT INTO model_files (model_id, path, url, size_bytes, sha256)
        VALUES (${m.id}, ${f.path}, ${f.url}, ${f.sizeBytes}, ${f.sha256})`);
  });
}

export async function retireModel(db: DbConnection, id: string): Promise<boolean> {
  const r = await db.maybeOne(sql.type(z.object({ id: z.string() }))`
    UPDATE models SET retired_at = now() WHERE id = ${id} AND retired_at IS NULL RETURNING id`);
  return r !== null;
}

export async function findModel(db: DbConnection, id: string): Promise<RegisteredModel | null> {
  const r = await db.maybeOne(sql.type(row)`${SELECT} WHERE id = ${id}`);
  return r ? toModel(r) : null;
}

export async function listModels(
  db: DbConnection,
  includeRetired: boolean,
): Promise<RegisteredModel[]> {
  const rows = includeRetired
    ? await db.any(sql.type(row)`${SELECT} ORDER BY id`)
    : await db.any(sql.type(row)`${SELECT} WHERE retired_at IS NULL ORDER BY id`);
  return rows.map(toModel);
}
