import { fileURLToPath } from "node:url";
import { sql, type DbConnection, type MigrationSource } from "@darkbloom/db";
import { z } from "zod";

export const sealedBodyMigrations: MigrationSource = {
  service: "sealed-body",
  directory: fileURLToPath(new URL("./migrations", import.meta.url)),
};

const keyRow = z.object({
  kid: z.string(),
  public_key: z.instanceof(Buffer),
  secret_key: z.instanceof(Buffer),
  secret_sealed: z.boolean(),
  created_at_ms: z.bigint().transform(Number),
});
export type KeyRow = z.infer<typeof keyRow>;

/** One transaction-scoped lock so replicas rotating at once create a single new key. */
const ROTATION_LOCK_KEY = 7_220_155_003_981_777n;

export async function lockRotation(connection: DbConnection): Promise<void> {
  await connection.query(sql.unsafe`SELECT pg_advisory_xact_lock(${ROTATION_LOCK_KEY})`);
}

/** Keys created at or after `sinceMs`, newest first. */
export async function keysSince(
  connection: DbConnection,
  sinceMs: number,
): Promise<readonly KeyRow[]> {
  return connection.any(sql.type(keyRow)`
    SELECT kid, public_key, secret_key, secret_sealed, created_at_ms
    FROM edge_encryption_keys WHERE created_at_ms >= ${sinceMs}
    ORDER BY created_at_ms DESC`);
}

export async function insertKey(connection: DbConnection, row: KeyRow): Promise<void> {
  await connection.query(sql.unsafe`
    INSERT INTO edge_encryption_keys (kid, public_key, secret_key, secret_sealed, created_at_ms)
    VALUES (${row.kid}, ${sql.binary(row.public_key)}, ${sql.binary(row.secret_key)},
            ${row.secret_sealed}, ${row.created_at_ms})`);
}
