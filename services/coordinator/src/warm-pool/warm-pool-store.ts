import { fileURLToPath } from "node:url";
import { sql, type DatabasePool, type DbConnection, type MigrationSource } from "@darkbloom/db";
import type { WarmPoolModelStatus, WarmPoolTarget } from "@darkbloom/routing";
import { z } from "zod";

export const warmPoolMigrations: MigrationSource = {
  service: "warm-pool",
  directory: fileURLToPath(new URL("./migrations", import.meta.url)),
};

const targetRow = z.object({
  model: z.string(),
  min_warm: z.number(),
  max_warm: z.number(),
  target_utilization_percent: z.number(),
  max_loads_per_minute: z.number(),
});

const statusRow = z.object({
  model: z.string(),
  target: z.number(),
  warm_provider_ids: z.array(z.string()),
  loading_provider_ids: z.array(z.string()),
  failed_loads: z.number(),
});

/** Replaces the whole policy and bumps its version, in one transaction. */
export async function savePolicy(
  pool: DatabasePool,
  targets: readonly WarmPoolTarget[],
): Promise<void> {
  await pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`DELETE FROM warm_pool_targets`);
    for (const t of targets)
      await tx.query(sql.unsafe`
        INSERT INTO warm_pool_targets
          (model, min_warm, max_warm, target_utilization_percent, max_loads_per_minute)
        VALUES (${t.model}, ${t.minWarm}, ${t.maxWarm}, ${t.targetUtilizationPercent},
                ${t.maxLoadsPerMinute})
        ON CONFLICT (model) DO UPDATE SET min_warm = EXCLUDED.min_warm,
          max_warm = EXCLUDED.max_warm,
          target_utilization_percent = EXCLUDED.target_utilization_percent,
          max_loads_per_minute = EXCLUDED.max_loads_per_minute`);
    await tx.query(sql.unsafe`UPDATE warm_pool_policy_version SET version = version + 1`);
  });
}

export async function policyVersion(db: DbConnection): Promise<bigint> {
  return db.oneFirst(sql.type(z.object({ version: z.bigint() }))`
    SELECT version FROM warm_pool_policy_version`);
}

export async function loadPolicy(db: DbConnection): Promise<WarmPoolTarget[]> {
  const rows = await db.any(sql.type(targetRow)`
    SELECT model, min_warm, max_warm, target_utilization_percent, max_loads_per_minute
    FROM warm_pool_targets ORDER BY model`);
  return rows.map((r) => ({
    model: r.model,
    minWarm: r.min_warm,
    maxWarm: r.max_warm,
    targetUtilizationPercent: r.target_utilization_percent,
    maxLoadsPerMinute: r.max_loads_per_minute,
  }));
}

/** The controller's view, replacing the previous one. */
export async function saveStatus(
  pool: DatabasePool,
  status: readonly WarmPoolModelStatus[],
): Promise<void> {
  await pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`DELETE FROM warm_pool_status`);
    for (const s of status)
      await tx.query(sql.unsafe`
        INSERT INTO warm_pool_status
          (model, target, warm_provider_ids, loading_provider_ids, failed_loads)
        VALUES (${s.model}, ${s.target}, ${sql.array(s.warmProviderIds, "text")},
                ${sql.array(s.loadingProviderIds, "text")}, ${s.failedLoads})`);
  });
}

/**
 * What GetWarmPoolStatus answers on any replica: every model of the policy, with the controller's
 * last written figures (a model the controller has not reported yet: nothing warm, target = min).
 */
export async function loadStatus(db: DbConnection): Promise<WarmPoolModelStatus[]> {
  const [policy, rows] = await Promise.all([
    loadPolicy(db),
    db.any(sql.type(statusRow)`
      SELECT model, target, warm_provider_ids, loading_provider_ids, failed_loads
      FROM warm_pool_status`),
  ]);
  const byModel = new Map(rows.map((r) => [r.model, r]));
  return policy
    .filter((t) => t.minWarm > 0 || t.maxWarm > 0 || t.targetUtilizationPercent > 0)
    .map((t) => {
      const r = byModel.get(t.model);
      return {
        model: t.model,
        target: r?.target ?? t.minWarm,
        warmProviderIds: [...(r?.warm_provider_ids ?? [])],
        loadingProviderIds: [...(r?.loading_provider_ids ?? [])],
        failedLoads: r?.failed_loads ?? 0,
      };
    });
}
