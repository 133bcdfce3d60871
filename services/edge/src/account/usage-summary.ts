// GET /v1/usage/summary (the account's usage by key and model, and by day, over a window) and
// GET /v1/billing/history (deposits and credits): both computed server-side, paged, and only
// ever of the authenticated account.
import { listApiKeys } from "@darkbloom/auth";
import {
  listBillingHistory,
  MAX_SUMMARY_WINDOW_MS,
  summarizeUsage,
  type UsageFigures,
} from "@darkbloom/ledger";
import { badRequest } from "../errors/edge-error.js";
import { sendJson } from "../http/respond.js";
import { principalOf, type AccountRequest } from "./account-deps.js";
import { n } from "./json-body.js";

const DAY_MS = 86_400_000;

export async function getUsageSummary(ctx: AccountRequest): Promise<void> {
  const accountId = principalOf(ctx).accountId;
  const nowMs = Date.now();
  const untilMs = secondsParam(ctx, "until") ?? nowMs;
  const sinceMs = secondsParam(ctx, "since") ?? untilMs - 30 * DAY_MS;
  if (untilMs <= sinceMs) throw badRequest("`since` must be before `until`", "since");
  if (untilMs - sinceMs > MAX_SUMMARY_WINDOW_MS)
    throw badRequest("the window may span at most 366 days", "since");
  const summary = await summarizeUsage(
    ctx.deps.pool,
    accountId,
    { sinceMs, untilMs },
    { limit: limitParam(ctx, 50), cursor: ctx.query.get("after") ?? "" },
  );
  // Names of the account's own keys (revoked ones too); the ledger knows only their ids.
  const keys = new Map((await listApiKeys(ctx.deps.pool, accountId)).map((k) => [k.id, k]));
  sendJson(ctx.res, 200, {
    object: "usage_summary",
    since: Math.floor(sinceMs / 1000),
    until: Math.floor(untilMs / 1000),
    totals: figuresJson(summary.totals),
    data: summary.groups.map((g) => {
      const key = keys.get(g.apiKeyId);
      return {
        api_key_id: g.apiKeyId || null,
        api_key_name: key?.name ?? null,
        api_key_prefix: key?.prefix ?? null,
        model: g.model,
        ...figuresJson(g),
      };
    }),
    days: summary.days.map((d) => ({ day: Math.floor(d.dayMs / 1000), ...figuresJson(d) })),
    has_more: summary.nextCursor !== "",
    next_cursor: summary.nextCursor === "" ? null : summary.nextCursor,
  });
}

export async function getBillingHistory(ctx: AccountRequest): Promise<void> {
  const page = await listBillingHistory(ctx.deps.pool, principalOf(ctx).accountId, {
    limit: limitParam(ctx, 20),
    cursor: ctx.query.get("after") ?? "",
  });
  sendJson(ctx.res, 200, {
    object: "list",
    data: page.entries.map((e) => ({
      object: "billing_entry",
      kind: e.kind,
      status: e.status,
      amount_micro_usd: n(e.amountMicroUsd),
      description: e.description,
      created: Math.floor(e.createdAtMs / 1000),
      checkout_session_id: e.checkoutSessionId || null,
    })),
    has_more: page.nextCursor !== "",
    next_cursor: page.nextCursor === "" ? null : page.nextCursor,
  });
}

function figuresJson(f: UsageFigures): Record<string, number> {
  return {
    requests: n(f.requests),
    prompt_tokens: n(f.promptTokens),
    completion_tokens: n(f.completionTokens),
    cost_micro_usd: n(f.costMicroUsd),
  };
}

/** A Unix-seconds query parameter as epoch milliseconds; absent → undefined; junk → 400. */
function secondsParam(ctx: AccountRequest, name: string): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === null) return undefined;
  if (!/^[0-9]{1,11}$/.test(raw)) throw badRequest(`\`${name}\` must be Unix seconds`, name);
  return Number(raw) * 1000;
}

function limitParam(ctx: AccountRequest, fallback: number): number {
  const raw = ctx.query.get("limit");
  if (raw === null) return fallback;
  if (!/^[0-9]{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > 100)
    throw badRequest("`limit` must be 1 to 100", "limit");
  return Number(raw);
}
