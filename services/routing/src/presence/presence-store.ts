import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";

/** LISTEN/NOTIFY channel: a JSON `PresenceNotice` per write. */
export const PRESENCE_CHANNEL = "darkbloom_presence";

/**
 * What one replica tells the others: these providers changed (or all of its rows: `all`); for those
 * also in `inFlight` only their count of requests in flight changed, to this value (a replica that
 * does not know the field reads their rows again).
 */
export type PresenceNotice =
  | { replicaId: string; providerIds: string[]; inFlight?: [string, number][] }
  | { replicaId: string; all: true }
  | { replicaId: string; loadStatus: { providerId: string; status: string } };

/** One provider's presence row as written by its owner replica. */
export interface PresenceRow {
  providerId: string;
  replicaId: string;
  register: Uint8Array;
  heartbeat: Uint8Array | undefined;
  heartbeatAtMs: number;
  registeredAtMs: number;
  trustLevel: number;
  routable: boolean;
  trustReason: string;
  fencedModels: string[];
  lastAttestedAtMs: number;
  operatorAccountId: string;
  inFlight: number;
}

/** A live row with its owner's address (for forwarding). */
export interface LivePresenceRow extends PresenceRow {
  advertiseUrl: string;
}

const liveRow = z
  .object({
    provider_id: z.string(),
    replica_id: z.string(),
    register: z.instanceof(Buffer),
    heartbeat: z.instanceof(Buffer).nullable(),
    heartbeat_at_ms: z.bigint(),
    registered_at_ms: z.bigint(),
    trust_level: z.number(),
    routable: z.boolean(),
    trust_reason: z.string(),
    fenced_models: z.array(z.string()),
    last_attested_at_ms: z.bigint(),
    operator_account_id: z.string(),
    in_flight: z.number(),
    advertise_url: z.string(),
  })
  .transform((r): LivePresenceRow => ({
    providerId: r.provider_id,
    replicaId: r.replica_id,
    register: new Uint8Array(r.register),
    heartbeat: r.heartbeat ? new Uint8Array(r.heartbeat) : undefined,
    heartbeatAtMs: Number(r.heartbeat_at_ms),
    registeredAtMs: Number(r.registered_at_ms),
    trustLevel: r.trust_level,
    routable: r.routable,
    trustReason: r.trust_reason,
    fencedModels: r.fenced_models,
    lastAttestedAtMs: Number(r.last_attested_at_ms),
    operatorAccountId: r.operator_account_id,
    inFlight: r.in_flight,
    advertiseUrl: r.advertise_url,
  }));

/** Marks the replica alive until now + ttl (and records where peers reach it). */
export async function heartbeatReplica(
  db: DbConnection,
  replicaId: string,
  advertiseUrl: string,
  ttlMs: number,
): Promise<void> {
  await db.query(sql.unsafe`
    INSERT INTO routing_replicas (replica_id, advertise_url, expires_at)
    VALUES (${replicaId}, ${advertiseUrl}, now() + make_interval(secs => ${ttlMs / 1000}))
    ON CONFLICT (replica_id) DO UPDATE
      SET advertise_url = EXCLUDED.advertise_url, expires_at = EXCLUDED.expires_at`);
}

/** Writes the rows (each provider now owned by `replicaId`) and tells every replica. */
export async function upsertProviders(
  db: DbConnection,
  replicaId: string,
  rows: readonly PresenceRow[],
): Promise<void> {
  await writeProviders(db, replicaId, rows, []);
}

/** Deletes the providers' rows if this replica still owns them (another may have taken one over). */
export async function removeProviders(
  db: DbConnection,
  replicaId: string,
  providerIds: readonly string[],
): Promise<void> {
  await writeProviders(db, replicaId, [], providerIds);
}

const base64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

/**
 * Upserts `rows` (each provider now owned by `replicaId`), sets the requests in flight of the
 * `counts` providers' rows it still owns (nothing else of theirs changed), deletes the `gone`
 * providers' rows it still owns, and tells every replica — in one statement (one round trip, atomic without a
 * transaction of its own). Values travel as text columns of one unnest and are cast in SQL.
 */
export async function writeProviders(
  db: DbConnection,
  replicaId: string,
  rows: readonly PresenceRow[],
  gone: readonly string[],
  counts: readonly [string, number][] = [],
): Promise<void> {
  // a provider that came back since it left is written, not deleted
  const written = new Set(rows.map((r) => r.providerId));
  gone = gone.filter((id) => !written.has(id));
  if (rows.length === 0 && gone.length === 0 && counts.length === 0) return;
  const tuples = rows.map((r) => [
    r.providerId,
    base64(r.register),
    r.heartbeat ? base64(r.heartbeat) : "",
    String(r.heartbeatAtMs),
    String(r.registeredAtMs),
    String(r.trustLevel),
    r.routable ? "t" : "f",
    r.trustReason,
    JSON.stringify(r.fencedModels),
    String(r.lastAttestedAtMs),
    r.operatorAccountId,
    String(r.inFlight),
  ]);
  const upsert = rows.length
    ? sql.fragment`
      INSERT INTO routing_provider_presence (provider_id, replica_id, register, heartbeat,
        heartbeat_at_ms, registered_at_ms, trust_level, routable, trust_reason, fenced_models,
        last_attested_at_ms, operator_account_id, in_flight, updated_at)
      SELECT r.provider_id, ${replicaId}, decode(r.register, 'base64'),
        decode(NULLIF(r.heartbeat, ''), 'base64'), r.heartbeat_at_ms::int8,
        r.registered_at_ms::int8, r.trust_level::int4, r.routable::bool, r.trust_reason,
        ARRAY(SELECT jsonb_array_elements_text(r.fenced_models::jsonb)),
        r.last_attested_at_ms::int8, r.operator_account_id, r.in_flight::int4, now()
      FROM ${sql.unnest(tuples, Array<string>(12).fill("text"))}
        AS r(provider_id, register, heartbeat, heartbeat_at_ms, registered_at_ms, trust_level,
          routable, trust_reason, fenced_models, last_attested_at_ms, operator_account_id,
          in_flight)
      ON CONFLICT (provider_id) DO UPDATE SET
        replica_id = EXCLUDED.replica_id, register = EXCLUDED.register,
        heartbeat = EXCLUDED.heartbeat, heartbeat_at_ms = EXCLUDED.heartbeat_at_ms,
        registered_at_ms = EXCLUDED.registered_at_ms, trust_level = EXCLUDED.trust_level,
        routable = EXCLUDED.routable, trust_reason = EXCLUDED.trust_reason,
        fenced_models = EXCLUDED.fenced_models, last_attested_at_ms = EXCLUDED.last_attested_at_ms,
        operator_account_id = EXCLUDED.operator_account_id, in_flight = EXCLUDED.in_flight,
        updated_at = now()`
    : sql.fragment`SELECT 1`;
  const remove = gone.length
    ? sql.fragment`
      DELETE FROM routing_provider_presence
      WHERE replica_id = ${replicaId} AND provider_id = ANY(${sql.array([...gone], "text")})`
    : sql.fragment`SELECT 1`;
  const count = counts.length
    ? sql.fragment`
      UPDATE routing_provider_presence p SET in_flight = c.n::int4, updated_at = now()
      FROM ${sql.unnest(
        counts.map(([id, n]) => [id, String(n)]),
        ["text", "text"],
      )} AS c(provider_id, n)
      WHERE p.provider_id = c.provider_id AND p.replica_id = ${replicaId}`
    : sql.fragment`SELECT 1`;
  const providerIds = [...rows.map((r) => r.providerId), ...gone, ...counts.map(([id]) => id)];
  await db.query(sql.unsafe`
    WITH upserted AS (${upsert}), counted AS (${count}), removed AS (${remove})
    SELECT pg_notify(${PRESENCE_CHANNEL}, ${noticePayload(
      counts.length
        ? { replicaId, providerIds, inFlight: [...counts] }
        : { replicaId, providerIds },
    )})`);
}

/** The replica leaves presence: its row and its providers' rows go at once. */
export async function leaveReplica(db: DbConnection, replicaId: string): Promise<void> {
  await db.query(sql.unsafe`DELETE FROM routing_provider_presence WHERE replica_id = ${replicaId}`);
  await db.query(sql.unsafe`DELETE FROM routing_replicas WHERE replica_id = ${replicaId}`);
  await notify(db, { replicaId, all: true });
}

/** Rows of live replicas other than `exceptReplicaId`, optionally only the given providers. */
export async function loadLivePresence(
  db: DbConnection,
  exceptReplicaId: string,
  providerIds?: readonly string[],
): Promise<LivePresenceRow[]> {
  const only = providerIds
    ? sql.fragment`AND p.provider_id = ANY(${sql.array([...providerIds], "text")})`
    : sql.fragment``;
  return [
    ...(await db.any(sql.type(liveRow)`
    SELECT p.provider_id, p.replica_id, p.register, p.heartbeat, p.heartbeat_at_ms,
      p.registered_at_ms, p.trust_level, p.routable, p.trust_reason, p.fenced_models,
      p.last_attested_at_ms, p.operator_account_id, p.in_flight, r.advertise_url
    FROM routing_provider_presence p
    JOIN routing_replicas r ON r.replica_id = p.replica_id AND r.expires_at > now()
    WHERE p.replica_id <> ${exceptReplicaId} ${only}`)),
  ];
}

/** Deletes what dead replicas left behind (their rows stopped being routed when they expired). */
export async function sweepDeadReplicas(db: DbConnection, graceMs: number): Promise<void> {
  await db.query(sql.unsafe`
    DELETE FROM routing_provider_presence p WHERE NOT EXISTS (
      SELECT 1 FROM routing_replicas r WHERE r.replica_id = p.replica_id
        AND r.expires_at > now() - make_interval(secs => ${graceMs / 1000}))`);
  await db.query(sql.unsafe`
    DELETE FROM routing_replicas
    WHERE expires_at < now() - make_interval(secs => ${graceMs / 1000})`);
}

/** Replicas alive now: id and address. */
export async function liveReplicas(
  db: DbConnection,
): Promise<{ replicaId: string; advertiseUrl: string }[]> {
  const rows = await db.any(
    sql.type(
      z.object({ replica_id: z.string(), advertise_url: z.string() }),
    )`SELECT replica_id, advertise_url FROM routing_replicas WHERE expires_at > now()`,
  );
  return rows.map((r) => ({ replicaId: r.replica_id, advertiseUrl: r.advertise_url }));
}

export async function notify(db: DbConnection, notice: PresenceNotice): Promise<void> {
  await db.query(sql.unsafe`SELECT pg_notify(${PRESENCE_CHANNEL}, ${noticePayload(notice)})`);
}

/** NOTIFY payloads stop at 8000 bytes: a larger batch becomes "reload this replica's rows". */
function noticePayload(notice: PresenceNotice): string {
  const payload = JSON.stringify(notice);
  return payload.length > 7_000
    ? JSON.stringify({ replicaId: notice.replicaId, all: true })
    : payload;
}
