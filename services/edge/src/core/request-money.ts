// A request's money, top to bottom: the one place the edge moves it, through generated clients.
//
//   1. admit        KeyLimits.AdmitKey    before the body is read: the key's RPM, and TPM or
//                                         budget already used up (429 / 402 budget_exceeded)
//   2. hold         Ledger.Hold           the worst case (prompt bound + max tokens) at the
//                                         model's price, in one ledger transaction (402
//                                         insufficient_balance); the ledger's figure is the only
//                                         cost formula (services/ledger/src/money.ts)
//   3. key reserve  KeyLimits.ReserveKey  the held amount and tokens against the key's budget and
//                                         TPM; refused → Ledger.Settle at zero releases the hold,
//                                         then the key's 429 / 402
//   4. run          the caller's inference (compat: billed-inference.ts; sealed mode:
//                   sealed-submit.ts), which reports delivered tokens and the provider's usage
//   5. settle       Ledger.Settle         once: the reported usage on completion, otherwise only
//                                         what reached the consumer (prompt bounded by the hold)
//   6. key settle   KeyLimits.SettleKey   the key's reservation becomes the settled tokens and
//                                         the charge
//
// While a request is open (2–5) its hold and key reservation are heartbeated, so a long
// generation is never swept; a request whose settlement fails keeps its hold until the sweeper
// takes it, and auth drops the key reservation with it (services/auth/src/key-limits-housekeeping.ts).
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { apiKeyIdOf } from "@darkbloom/auth";
import { KeyRateLimit, type KeyAdmission, type KeyLimitsService } from "@darkbloom/proto";
import type { LedgerService } from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import { EdgeError } from "../errors/edge-error.js";
import { toEdgeError } from "../errors/from-connect.js";
import type { RequestClaim } from "../http/request-id.js";

export interface MoneyDeps {
  ledger: Client<typeof LedgerService>;
  /** Per-key limits; absent: keys have none (no account surface wired). */
  keyLimits?: Client<typeof KeyLimitsService>;
  /** Keeps open holds and key reservations from being swept while their request runs. */
  openHolds?: { add(requestId: string): void; remove(requestId: string): void };
  log: Logger;
}

/**
 * 1. The key may start a request at all (before its body is read). A key verified as having no
 * limits (`limited: false`, from the key cache that a limit change invalidates), and a session
 * (no API key: no limits, no usage to record), is admitted here.
 */
export async function admit(
  deps: MoneyDeps,
  key: { keyId: string; limited?: boolean },
): Promise<void> {
  if (deps.keyLimits === undefined || key.limited === false || apiKeyIdOf(key) === null) return;
  const { admission } = await deps.keyLimits.admitKey({ keyId: key.keyId });
  refuseUnlessAdmitted(admission);
}

export interface MoneyOrder {
  /** The coordinator's id of this attempt: the hold, the key reservation, the settlement. */
  requestId: string;
  accountId: string;
  keyId: string;
  /** The key has no limits (see {@link admit}): no reservation, its usage is still recorded (6). */
  keyLimited?: boolean;
  model: string;
  /** The coordinator's own bound of the prompt; reported prompt tokens never exceed it. */
  maxPromptTokens: number;
  maxCompletionTokens: number;
  /** The consumer's request id the hold claims (http/request-id.ts); absent: no claim. */
  claim?: RequestClaim;
}

/** 2 + 3. Holds the worst case, then reserves it against the key; the request may run. */
export async function hold(deps: MoneyDeps, order: MoneyOrder): Promise<OpenMoney> {
  const { heldMicroUsd } = await deps.ledger
    .hold({
      requestId: order.requestId,
      accountId: order.accountId,
      model: order.model,
      maxPromptTokens: order.maxPromptTokens,
      maxCompletionTokens: order.maxCompletionTokens,
      // The key is recorded on the hold so the account's usage can be summed by key.
      apiKeyId: apiKeyIdOf(order) ?? "",
      ...order.claim,
    })
    .catch((err: unknown) => {
      throw ConnectError.from(err).code === Code.FailedPrecondition
        ? new EdgeError(
            402,
            "insufficient_quota",
            "insufficient_balance",
            "Your balance cannot cover this request's maximum cost. Add credit or lower max_tokens.",
          )
        : toEdgeError(err);
    });
  const money = new OpenMoney(deps, order);
  if (deps.keyLimits === undefined || apiKeyIdOf(order) === null) {
    // no key limits wired, or a session (not an API key): nothing to reserve or record
  } else if (order.keyLimited === false) {
    money.keyReserved = true; // nothing to reserve; the settlement records the usage
  } else {
    let admission: KeyAdmission | undefined;
    try {
      ({ admission } = await deps.keyLimits.reserveKey({
        keyId: order.keyId,
        requestId: order.requestId,
        tokens: BigInt(order.maxPromptTokens) + BigInt(order.maxCompletionTokens),
        costMicroUsd: heldMicroUsd,
      }));
    } catch (err) {
      await money.settle(NOTHING);
      throw toEdgeError(err);
    }
    if (admission?.outcome.case !== "admitted") {
      // The key refuses: the hold is released (settled at zero) before the consumer hears why.
      await money.settle(NOTHING);
      refuseUnlessAdmitted(admission);
    }
    money.keyReserved = true;
  }
  deps.openHolds?.add(order.requestId);
  return money;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

const NOTHING: Usage = { promptTokens: 0, completionTokens: 0 };

/** An open request's money: what it delivered so far, and its settlement (5 + 6), made once. */
export class OpenMoney {
  /** The account the provider earns for (its operator's, else its own); set once it starts. */
  providerAccountId = "";
  /** The machine (provider id) that serves it, for its operator's per-machine earnings. */
  machineId = "";
  /** Completion tokens relayed to the consumer so far. */
  delivered = 0;
  /** The prompt tokens the provider reported, bounded by the hold's prompt bound. */
  promptTokens = 0;
  /** The response's x-darkbloom-generation-id, recorded with the settlement. */
  generationId = "";
  /** The key's reservation was placed (or it has none to place): the settlement records it (6). */
  keyReserved = false;
  private settlement: Promise<bigint | undefined> | undefined;

  constructor(
    private readonly deps: MoneyDeps,
    private readonly order: MoneyOrder,
  ) {}

  /** Records the provider's prompt count, bounded by the estimate the hold rests on. */
  reportPrompt(reported: number): number {
    this.promptTokens = Math.min(reported, this.order.maxPromptTokens);
    return this.promptTokens;
  }

  /**
   * 5 + 6. Settles the usage (prompt bounded by the hold) and the key's reservation; later calls
   * return the first's charge. Never throws: a failed settlement is logged and its hold swept.
   */
  settle(usage: Usage): Promise<bigint | undefined> {
    this.settlement ??= this.settleOnce(usage);
    return this.settlement;
  }

  /** The request ended without a report (failure, consumer gone): only what was delivered. */
  settleDelivered(): Promise<bigint | undefined> {
    return this.settle({ promptTokens: this.promptTokens, completionTokens: this.delivered });
  }

  private async settleOnce(usage: Usage): Promise<bigint | undefined> {
    const { ledger, keyLimits, openHolds, log } = this.deps;
    const { requestId, keyId } = this.order;
    const promptTokens = Math.min(usage.promptTokens, this.order.maxPromptTokens);
    let charged: bigint;
    try {
      ({ chargedMicroUsd: charged } = await ledger.settle({
        requestId,
        providerAccountId: this.providerAccountId,
        usage: { promptTokens, completionTokens: usage.completionTokens },
        generationId: this.generationId,
        providerMachineId: this.machineId,
      }));
    } catch (err) {
      log.error("settlement failed; the hold stays until it is swept", {
        requestId,
        error: String(err),
      });
      return undefined;
    } finally {
      // Settled, or the settlement failed: either way the sweeper may take the hold now.
      openHolds?.remove(requestId);
    }
    if (keyLimits === undefined || !this.keyReserved) return charged;
    await keyLimits
      .settleKey({
        keyId,
        requestId,
        tokens: BigInt(promptTokens) + BigInt(usage.completionTokens),
        costMicroUsd: charged,
      })
      .catch((err: unknown) => {
        log.error("recording key usage failed", { keyId, error: String(err) });
      });
    return charged;
  }
}

/** The key's refusal as the consumer sees it (429 with Retry-After, or 402 budget_exceeded). */
function refuseUnlessAdmitted(admission: KeyAdmission | undefined): void {
  const outcome = admission?.outcome ?? { case: undefined };
  switch (outcome.case) {
    case "admitted":
      return;
    case "rateLimited": {
      const requests = outcome.value.limit === KeyRateLimit.REQUESTS;
      const seconds = outcome.value.retryAfterSeconds;
      throw new EdgeError(
        429,
        "rate_limit_error",
        requests ? "rate_limit_requests" : "rate_limit_tokens",
        `Rate limit reached for this API key (${requests ? "requests" : "tokens"} per minute). Retry after ${seconds} s.`,
        null,
        { "retry-after": String(seconds) },
      );
    }
    case "tooLarge":
      // No Retry-After: waiting never lets a request larger than the whole limit run.
      throw new EdgeError(
        429,
        "rate_limit_error",
        "rate_limit_tokens",
        `Request too large for this API key's tokens per minute limit: limit ${outcome.value.tpmLimit}, requested ${outcome.value.requestedTokens} (prompt estimate + max_tokens). It can never fit: lower max_tokens or shorten the prompt; retrying will not help.`,
      );
    case "budgetExceeded":
      throw new EdgeError(
        402,
        "insufficient_quota",
        "budget_exceeded",
        "This API key's spend budget for the current period cannot cover this request's maximum cost (finished and in-flight requests count). Lower max_tokens or wait for requests to finish.",
      );
    case undefined:
      throw new EdgeError(500, "server_error", "internal_error", "internal error");
  }
}
