// POST /v1/admin/invites, POST /v1/invites/redeem, GET /v1/referral-code, POST /v1/referrals/apply.
import { Code, ConnectError } from "@connectrpc/connect";
import { applyReferralCode, createInvite, redeemInvite, referralCodeFor } from "@darkbloom/ledger";
import { z } from "zod";
import { EdgeError } from "../errors/edge-error.js";
import { sendJson } from "../http/respond.js";
import { principalOf, type AccountRequest } from "./account-deps.js";
import { n, parseBody } from "./json-body.js";
import { microUsd, storedText } from "../http/input-limits.js";

const inviteSchema = z.object({
  credit_micro_usd: microUsd().positive(),
  max_uses: z.number().int().min(1).max(1_000_000).default(1),
  code: z
    .string()
    .regex(/^[A-Za-z0-9_-]{4,64}$/)
    .optional(),
});
const codeSchema = z.object({ code: storedText(z.string().min(1).max(64)) });

export async function postInvite(ctx: AccountRequest): Promise<void> {
  const body = parseBody(inviteSchema, ctx.body);
  const invite = await createInvite(ctx.deps.pool, {
    creditMicroUsd: BigInt(body.credit_micro_usd),
    maxUses: body.max_uses,
    createdBy: principalOf(ctx).accountId,
    ...(body.code === undefined ? {} : { code: body.code }),
  });
  sendJson(ctx.res, 201, {
    object: "invite",
    code: invite.code,
    credit_micro_usd: n(invite.creditMicroUsd),
    max_uses: invite.maxUses,
    uses: invite.uses,
  });
}

export async function postRedeemInvite(ctx: AccountRequest): Promise<void> {
  const { code } = parseBody(codeSchema, ctx.body);
  const accountId = principalOf(ctx).accountId;
  const result = await ctx.deps.pool
    .transaction((tx) => redeemInvite(tx, code, accountId))
    .catch((error: unknown) => {
      if (ConnectError.from(error).code === Code.ResourceExhausted) {
        throw new EdgeError(
          409,
          "invalid_request_error",
          "invite_used_up",
          "this invite code has no uses left",
        );
      }
      throw error;
    });
  sendJson(ctx.res, 200, {
    object: "invite_redemption",
    code,
    credit_micro_usd: n(result.creditMicroUsd),
    already_redeemed: !result.firstRedemption,
  });
}

export async function getReferralCode(ctx: AccountRequest): Promise<void> {
  const code = await referralCodeFor(ctx.deps.pool, principalOf(ctx).accountId);
  sendJson(ctx.res, 200, { object: "referral_code", code });
}

export async function postApplyReferral(ctx: AccountRequest): Promise<void> {
  const { code } = parseBody(codeSchema, ctx.body);
  const applied = await ctx.deps.pool.transaction((tx) =>
    applyReferralCode(tx, principalOf(ctx).accountId, code),
  );
  sendJson(ctx.res, 200, { object: "referral", code, referrer_id: applied.referrerId });
}
