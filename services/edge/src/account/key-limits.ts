// Per-key limits around an inference request: admit before the body is parsed (429 RPM/TPM with
// Retry-After, 402 budget); the request then runs with a ledger client that reserves its worst
// case against the key's TPM and budget right before the hold (counting the key's other
// in-flight worst cases), heartbeats the hold and reservation while the request runs (so a long
// generation is never swept) and, right after the settlement (before the response ends), replaces
// the reservation with the settled tokens and cost.
import type { Client } from "@connectrpc/connect";
import {
  admitKeyRequest,
  releaseKeyReservation,
  reserveKeyBudget,
  settleKeyReservation,
  type Admission,
} from "@darkbloom/auth";
import type { LedgerService } from "@darkbloom/proto";
import { EdgeError } from "../errors/edge-error.js";
import type { EdgeDeps, Principal } from "../edge-context.js";
import type { AccountDeps } from "./account-deps.js";

/** The deps the inference handler runs with: unchanged when no account surface is wired. */
export async function admitInference(deps: EdgeDeps, principal: Principal): Promise<EdgeDeps> {
  const account = deps.account;
  if (account === undefined) return deps;
  refuseUnlessAdmitted(await admitKeyRequest(account.pool, principal.keyId));
  return { ...deps, ledger: reservingLedger(deps, account, principal.keyId) };
}

function refuseUnlessAdmitted(admission: Admission): void {
  switch (admission.kind) {
    case "admitted":
      return;
    case "rate_limited":
      throw new EdgeError(
        429,
        "rate_limit_error",
        admission.limit === "rpm" ? "rate_limit_requests" : "rate_limit_tokens",
        `Rate limit reached for this API key (${admission.limit === "rpm" ? "requests" : "tokens"} per minute). Retry after ${admission.retryAfterSeconds} s.`,
        null,
        { "retry-after": String(admission.retryAfterSeconds) },
      );
    case "too_large":
      // No Retry-After: waiting never lets a request larger than the whole limit run.
      throw new EdgeError(
        429,
        "rate_limit_error",
        "rate_limit_tokens",
        `Request too large for this API key's tokens per minute limit: limit ${admission.tpmLimit}, requested ${admission.requestedTokens} (prompt estimate + max_tokens). It can never fit: lower max_tokens or shorten the prompt; retrying will not help.`,
      );
    case "budget_exceeded":
      throw new EdgeError(
        402,
        "insufficient_quota",
        "budget_exceeded",
        "This API key's spend budget for the current period cannot cover this request's maximum cost (finished and in-flight requests count). Lower max_tokens or wait for requests to finish.",
      );
  }
}

function reservingLedger(
  deps: EdgeDeps,
  account: AccountDeps,
  keyId: string,
): Client<typeof LedgerService> {
  const ledger = deps.ledger;
  return {
    ...ledger,
    hold: async (request, options) => {
      const requestId = request.requestId ?? "";
      // The same worst case the ledger holds: ceil((prompt × in + completion × out) / 1e6).
      const price = await ledger.getPrice({ model: request.model }, options);
      const promptTokens = BigInt(request.maxPromptTokens ?? 0);
      const completionTokens = BigInt(request.maxCompletionTokens ?? 0);
      const scaled =
        promptTokens * price.inputMicroUsdPerMillion +
        completionTokens * price.outputMicroUsdPerMillion;
      refuseUnlessAdmitted(
        await reserveKeyBudget(account.pool, keyId, requestId, {
          tokens: promptTokens + completionTokens,
          costMicroUsd: (scaled + 999_999n) / 1_000_000n,
        }),
      );
      try {
        // The key is recorded on the hold so the account's usage can be summed by key.
        const apiKeyId = keyId.startsWith("session:") ? "" : keyId;
        const held = await ledger.hold({ ...request, apiKeyId }, options);
        account.holdHeartbeat?.add(requestId);
        return held;
      } catch (err) {
        await releaseKeyReservation(account.pool, requestId).catch((cause: unknown) => {
          deps.log.error("releasing a key reservation failed", { keyId, error: String(cause) });
        });
        throw err;
      }
    },
    settle: async (request, options) => {
      const requestId = request.requestId ?? "";
      const settled = await ledger.settle(request, options).finally(() => {
        // Settled, or the settlement failed: either way the sweeper may take the hold now.
        account.holdHeartbeat?.remove(requestId);
      });
      const tokens =
        BigInt(request.usage?.promptTokens ?? 0) + BigInt(request.usage?.completionTokens ?? 0);
      await settleKeyReservation(account.pool, keyId, requestId, {
        tokens,
        costMicroUsd: settled.chargedMicroUsd,
      }).catch((err: unknown) => {
        deps.log.error("recording key usage failed", { keyId, error: String(err) });
      });
      return settled;
    },
  };
}
