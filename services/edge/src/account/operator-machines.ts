// GET /v1/provider/machines and GET /v1/provider/machines/{provider id}: a provider operator's
// own machines — the ones online now (from routing, linked to the account by its device-code
// token) and the ones that earned the account money (from the ledger) — with tokens served and
// earnings per machine. Another operator's machine is never listed and answers 404.
import { machineEarnings, type MachineEarnings } from "@darkbloom/ledger";
import { EdgeError } from "../errors/edge-error.js";
import { sendJson } from "../http/respond.js";
import { type AccountRequest, type OperatorMachine } from "./account-deps.js";
import { n } from "./json-body.js";
import { operatorOf } from "./operator-role.js";

export async function getMachines(ctx: AccountRequest): Promise<void> {
  const accountId = operatorOf(ctx);
  const online = ctx.deps.machinesOf?.(accountId) ?? [];
  const earned = await machineEarnings(ctx.deps.pool, accountId);
  const ids = [
    ...new Set([...online.map((m) => m.providerId), ...earned.map((e) => e.providerId)]),
  ];
  sendJson(ctx.res, 200, {
    object: "list",
    data: ids.map((id) =>
      machineJson(
        id,
        online.find((m) => m.providerId === id),
        earned.find((e) => e.providerId === id),
      ),
    ),
  });
}

export async function getMachine(ctx: AccountRequest): Promise<void> {
  const accountId = operatorOf(ctx);
  const id = ctx.params[0] ?? "";
  const online = (ctx.deps.machinesOf?.(accountId) ?? []).find((m) => m.providerId === id);
  const earned =
    id.length > 0 && id.length <= 200 ? await machineEarnings(ctx.deps.pool, accountId, id) : [];
  // not linked to this account (another operator's, or unknown): the same answer either way
  if (online === undefined && earned.length === 0)
    throw new EdgeError(
      404,
      "invalid_request_error",
      "machine_not_found",
      `no machine '${id.slice(0, 64)}' is linked to this account`,
      "provider_id",
    );
  sendJson(ctx.res, 200, machineJson(id, online, earned[0]));
}

function machineJson(
  id: string,
  online: OperatorMachine | undefined,
  earned: MachineEarnings | undefined,
): Record<string, unknown> {
  return {
    object: "machine",
    provider_id: id,
    online: online !== undefined,
    version: online?.version ?? null,
    chip: online?.chip ?? null,
    memory_gb: online?.memoryGb ?? null,
    models: online?.models ?? [],
    trust: online?.trust ?? null,
    routable: online?.routable ?? null,
    trust_reason: online?.trustReason || null,
    in_flight: online?.inFlight ?? 0,
    connected_at: online ? Math.floor(online.connectedAtMs / 1000) : null,
    last_heartbeat_at: online ? Math.floor(online.lastHeartbeatMs / 1000) : null,
    requests: earned ? n(earned.requests) : 0,
    prompt_tokens: earned ? n(earned.promptTokens) : 0,
    completion_tokens: earned ? n(earned.completionTokens) : 0,
    earned_micro_usd: earned ? n(earned.earnedMicroUsd) : 0,
    last_served_at: earned ? Math.floor(earned.lastServedAtMs / 1000) : null,
  };
}
