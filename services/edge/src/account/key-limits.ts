// Per-key limits around an inference request: admit before (429 RPM/TPM with Retry-After, 402
// budget); the request then runs with a ledger client that, right after the settlement (before the
// response ends), adds the settled tokens and cost to the key's counters.
import type { Client } from "@connectrpc/connect";
import { admitKeyRequest, recordKeyUsage } from "@darkbloom/auth";
import type { LedgerService } from "@darkbloom/proto";
import { EdgeError } from "../errors/edge-error.js";
import type { EdgeDeps, Principal } from "../edge-context.js";
import type { AccountDeps } from "./account-deps.js";

/** The deps the inference handler runs with: unchanged when no account surface is wired. */
export async function admitInference(deps: EdgeDeps, principal: Principal): Promise<EdgeDeps> {
  const account = deps.account;
  if (account === undefined) return deps;
  const admission = await admitKeyRequest(account.pool, principal.keyId);
  switch (admission.kind) {
    case "admitted":
      return { ...deps, ledger: countingLedger(deps, account, principal.keyId) };
    case "rate_limited":
      throw new EdgeError(
        429,
        "rate_limit_error",
        admission.limit === "rpm" ? "rate_limit_requests" : "rate_limit_tokens",
        `Rate limit reached for this API key (${admission.limit === "rpm" ? "requests" : "tokens"} per minute). Retry after ${admission.retryAfterSeconds} s.`,
        null,
        { "retry-after": String(admission.retryAfterSeconds) },
      );
    case "budget_exceeded":
      throw new EdgeError(
        402,
        "insufficient_quota",
        "budget_exceeded",
        "This API key has used its spend budget for the current period.",
      );
  }
}

function countingLedger(
  deps: EdgeDeps,
  account: AccountDeps,
  keyId: string,
): Client<typeof LedgerService> {
  const ledger = deps.ledger;
  return {
    ...ledger,
    settle: async (request, options) => {
      const settled = await ledger.settle(request, options);
      const tokens =
        BigInt(request.usage?.promptTokens ?? 0) + BigInt(request.usage?.completionTokens ?? 0);
      await recordKeyUsage(account.pool, keyId, {
        tokens,
        costMicroUsd: settled.chargedMicroUsd,
      }).catch((err: unknown) => {
        deps.log.error("recording key usage failed", { keyId, error: String(err) });
      });
      return settled;
    },
  };
}
