// The admin console's read-only views: GET /v1/admin/accounts (newest first, with balances),
// GET /v1/admin/invites and GET /v1/admin/ledger (balances by kind, open holds, last 24 h).
import { listAccounts, roleSchema } from "@darkbloom/auth";
import { ledgerOverview, listInvites, walletBalances } from "@darkbloom/ledger";
import { badRequest } from "../errors/edge-error.js";
import { sendJson } from "../http/respond.js";
import type { AccountRequest } from "./account-deps.js";
import { n } from "./json-body.js";

export async function getAccounts(ctx: AccountRequest): Promise<void> {
  const rawRole = ctx.query.get("role");
  const role = rawRole === null || rawRole === "" ? undefined : roleSchema.safeParse(rawRole);
  if (role && !role.success) throw badRequest("`role` must be consumer, provider or admin", "role");
  const accounts = await listAccounts(ctx.deps.pool, role ? { role: role.data } : {});
  const balances = await walletBalances(
    ctx.deps.pool,
    accounts.map((a) => a.id),
  );
  sendJson(ctx.res, 200, {
    object: "list",
    data: accounts.map((a) => {
      const b = balances.get(a.id);
      return {
        object: "account",
        id: a.id,
        name: a.name,
        role: a.role,
        created: Math.floor(a.createdAtMs / 1000),
        available_micro_usd: n(b?.availableMicroUsd ?? 0n),
        held_micro_usd: n(b?.heldMicroUsd ?? 0n),
        earned_micro_usd: n(b?.earnedMicroUsd ?? 0n),
      };
    }),
  });
}

export async function getInvites(ctx: AccountRequest): Promise<void> {
  const invites = await listInvites(ctx.deps.pool);
  sendJson(ctx.res, 200, {
    object: "list",
    data: invites.map((i) => ({
      object: "invite",
      code: i.code,
      credit_micro_usd: n(i.creditMicroUsd),
      max_uses: i.maxUses,
      uses: i.uses,
      created_by: i.createdBy,
      created: Math.floor(i.createdMs / 1000),
    })),
  });
}

export async function getLedgerOverview(ctx: AccountRequest): Promise<void> {
  const o = await ledgerOverview(ctx.deps.pool);
  sendJson(ctx.res, 200, {
    object: "ledger_overview",
    balances: o.balances.map((b) => ({
      kind: b.kind,
      accounts: b.accounts,
      balance_micro_usd: n(b.balanceMicroUsd),
    })),
    net_micro_usd: n(o.netMicroUsd),
    open_holds: o.openHolds,
    last_24h: {
      settlements: o.last24h.settlements,
      charged_micro_usd: n(o.last24h.chargedMicroUsd),
      provider_credit_micro_usd: n(o.last24h.providerCreditMicroUsd),
      platform_fee_micro_usd: n(o.last24h.platformFeeMicroUsd),
      credited_micro_usd: n(o.last24h.creditedMicroUsd),
    },
  });
}
