// POST /v1/admin/accounts: an admin creates an account (consumer, provider or admin) and its first key.
import { createAccount, createApiKey, roleSchema, scopesOfRole } from "@darkbloom/auth";
import { z } from "zod";
import { sendJson } from "../http/respond.js";
import type { AccountRequest } from "./account-deps.js";
import { parseBody } from "./json-body.js";
import { storedText } from "../http/input-limits.js";

const accountSchema = z.object({
  name: storedText(z.string().trim().min(1).max(200)),
  role: roleSchema,
});

export async function postAccount(ctx: AccountRequest): Promise<void> {
  const body = parseBody(accountSchema, ctx.body);
  const { account, key } = await ctx.deps.pool.transaction(async (tx) => {
    const created = await createAccount(tx, body.name, body.role);
    return {
      account: created,
      // the account's first key may do everything its role allows; narrower keys come from it
      key: await createApiKey(tx, created.id, "first key", scopesOfRole(body.role)),
    };
  });
  sendJson(ctx.res, 201, {
    object: "account",
    id: account.id,
    name: account.name,
    role: account.role,
    api_key: { id: key.id, key: key.key, prefix: key.prefix },
  });
}
