import { sql, type DatabaseTransactionConnection } from "@darkbloom/db";
import { z } from "zod";

const readRow = z.object({ relname: z.string(), seq_tup_read: z.bigint() });

/**
 * The rows the connection's open transaction has read by sequential scan, per table named (0 for
 * one it has not scanned): Postgres's own count for this transaction (`pg_stat_xact_user_tables`),
 * so a test sees whether a statement looked its rows up by key or read the whole table.
 */
export async function sequentialReads(
  tx: DatabaseTransactionConnection,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const rows = await tx.any(sql.type(readRow)`
    SELECT relname::text AS relname, seq_tup_read FROM pg_stat_xact_user_tables
    WHERE relname = ANY(${sql.array(tables, "text")})`);
  const reads: Record<string, number> = Object.fromEntries(tables.map((t) => [t, 0]));
  for (const r of rows) reads[r.relname] = Number(r.seq_tup_read);
  return reads;
}
