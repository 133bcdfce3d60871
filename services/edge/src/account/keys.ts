// GET /v1/keys, POST /v1/keys (the key is in this answer only), DELETE /v1/keys/{id}.
import {
  DEFAULT_KEY_SCOPES,
  allows,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  scopeSchema,
  type ApiKeyInfo,
} from "@darkbloom/auth";
import { z } from "zod";
import { EdgeError } from "../errors/edge-error.js";
import { sendJson } from "../http/respond.js";
import { principalOf, type AccountRequest } from "./account-deps.js";
import { n, parseBody } from "./json-body.js";
import { LIMITS, microUsd, storedText } from "../http/input-limits.js";

const createKeySchema = z.object({
  name: storedText(z.string().trim().min(1).max(200)),
  /** Omitted: inference only. Never empty, never more than the creating key holds. */
  scopes: z
    .array(scopeSchema)
    .min(1, "a key needs at least one scope (omit `scopes` for an inference-only key)")
    .max(8)
    .default([...DEFAULT_KEY_SCOPES]),
  /** Admins may create keys for other accounts. */
  account_id: z.string().uuid().optional(),
  rpm_limit: z.number().int().positive().max(LIMITS.rpmLimit).nullable().default(null),
  tpm_limit: z.number().int().positive().max(LIMITS.tpmLimit).nullable().default(null),
  budget_micro_usd: microUsd().nullable().default(null),
  budget_period: z.enum(["day", "week", "month"]).default("month"),
});

export async function listKeys(ctx: AccountRequest): Promise<void> {
  const keys = await listApiKeys(ctx.deps.pool, principalOf(ctx).accountId);
  sendJson(ctx.res, 200, { object: "list", data: keys.map(keyJson) });
}

export async function createKey(ctx: AccountRequest): Promise<void> {
  const principal = principalOf(ctx);
  const body = parseBody(createKeySchema, ctx.body);
  const admin = allows(principal, "admin");
  const owner = admin && body.account_id ? body.account_id : principal.accountId;
  const beyond = body.scopes.filter((scope) => !allows(principal, scope));
  if (beyond.length > 0) {
    throw new EdgeError(
      403,
      "permission_error",
      "insufficient_scope",
      `a key cannot grant scopes its creator lacks: ${beyond.join(", ")}`,
      "scopes",
    );
  }
  const scopes = [...new Set(body.scopes)];
  const created = await createApiKey(ctx.deps.pool, owner, body.name, scopes, {
    rpmLimit: body.rpm_limit,
    tpmLimit: body.tpm_limit === null ? null : BigInt(body.tpm_limit),
    budgetMicroUsd: body.budget_micro_usd === null ? null : BigInt(body.budget_micro_usd),
    budgetPeriod: body.budget_period,
  });
  sendJson(ctx.res, 201, {
    object: "api_key",
    id: created.id,
    key: created.key,
    prefix: created.prefix,
    account_id: owner,
    name: body.name,
    scopes,
  });
}

export async function revokeKey(ctx: AccountRequest): Promise<void> {
  const principal = principalOf(ctx);
  const keyId = ctx.params[0] ?? "";
  await revokeApiKey(
    ctx.deps.pool,
    keyId,
    allows(principal, "admin") ? undefined : principal.accountId,
  );
  sendJson(ctx.res, 200, { object: "api_key", id: keyId, revoked: true });
}

function keyJson(key: ApiKeyInfo): Record<string, unknown> {
  const seconds = (ms: number | null): number | null =>
    ms === null ? null : Math.floor(ms / 1000);
  return {
    object: "api_key",
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    created: seconds(key.createdAtMs),
    last_used: seconds(key.lastUsedAtMs),
    revoked: seconds(key.revokedAtMs),
    rpm_limit: key.limits.rpmLimit,
    tpm_limit: key.limits.tpmLimit === null ? null : n(key.limits.tpmLimit),
    budget_micro_usd: key.limits.budgetMicroUsd === null ? null : n(key.limits.budgetMicroUsd),
    budget_period: key.limits.budgetPeriod,
  };
}
