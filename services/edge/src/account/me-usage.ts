// GET /v1/me, GET /v1/usage (paged), GET /v1/usage/{request id or generation id}.
import { apiKeyIdOf, findAccountById } from "@darkbloom/auth";
import { findUsage, listUsage, readBalance, type UsageRecord } from "@darkbloom/ledger";
import { EdgeError } from "../errors/edge-error.js";
import { sendJson } from "../http/respond.js";
import { principalOf, type AccountRequest } from "./account-deps.js";
import { n } from "./json-body.js";

export async function getMe(ctx: AccountRequest): Promise<void> {
  const principal = principalOf(ctx);
  const account = await findAccountById(ctx.deps.pool, principal.accountId);
  if (account === null)
    throw new EdgeError(404, "invalid_request_error", "not_found", "account not found");
  const balance = await readBalance(ctx.deps.pool, principal.accountId);
  sendJson(ctx.res, 200, {
    object: "account",
    id: account.id,
    name: account.name,
    role: account.role,
    created: Math.floor(account.createdAtMs / 1000),
    authenticated_with: apiKeyIdOf(principal) === null ? "session" : "api_key",
    api_key_id: apiKeyIdOf(principal),
    balance: {
      balance_micro_usd: n(balance.balanceMicroUsd),
      held_micro_usd: n(balance.heldMicroUsd),
      available_micro_usd: n(balance.availableMicroUsd),
    },
  });
}

export async function getUsage(ctx: AccountRequest): Promise<void> {
  const limit = Number(ctx.query.get("limit") ?? "20");
  const page = await listUsage(ctx.deps.pool, principalOf(ctx).accountId, {
    limit: Number.isFinite(limit) ? limit : 20,
    cursor: ctx.query.get("after") ?? "",
  });
  sendJson(ctx.res, 200, {
    object: "list",
    data: page.records.map(usageJson),
    has_more: page.nextCursor !== "",
    next_cursor: page.nextCursor === "" ? null : page.nextCursor,
  });
}

export async function getUsageRecord(ctx: AccountRequest): Promise<void> {
  const record = await findUsage(ctx.deps.pool, ctx.params[0] ?? "", principalOf(ctx).accountId);
  if (record === null) {
    throw new EdgeError(
      404,
      "invalid_request_error",
      "not_found",
      "no settled request with this request id or generation id",
    );
  }
  sendJson(ctx.res, 200, usageJson(record));
}

function usageJson(record: UsageRecord): Record<string, unknown> {
  return {
    object: "usage_record",
    request_id: record.requestId,
    generation_id: record.generationId || null,
    model: record.model,
    provider: record.providerPseudonym || null,
    prompt_tokens: n(record.promptTokens),
    completion_tokens: n(record.completionTokens),
    cost_micro_usd: n(record.costMicroUsd),
    price: {
      input_micro_usd_per_million: n(record.inputMicroUsdPerMillion),
      output_micro_usd_per_million: n(record.outputMicroUsdPerMillion),
    },
    settled: Math.floor(record.settledAtMs / 1000),
    swept: record.swept,
  };
}
