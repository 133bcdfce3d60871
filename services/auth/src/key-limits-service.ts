// The KeyLimitsService over a pool: auth's per-key limit tables behind a generated client, so
// the edge's money sequence never writes them itself (key-limits.ts, key-limits-reservations.ts).
// SettleKey is group-committed (key-usage-queue.ts): it answers once its usage has committed.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { DatabasePool } from "@darkbloom/db";
import {
  AdmitKeyResponseSchema,
  KeyAdmissionSchema,
  KeyLimitsService,
  KeyRateLimit,
  ReleaseKeyResponseSchema,
  ReserveKeyResponseSchema,
  SettleKeyResponseSchema,
  type KeyAdmission,
} from "@darkbloom/proto";
import { admitKeyRequest, type Admission } from "./key-limits.js";
import { releaseKeyReservation, reserveKeyBudget } from "./key-limits-reservations.js";
import { keyUsageQueue, type KeyUsageQueueOptions } from "./key-usage-queue.js";

export function createKeyLimitsService(
  pool: DatabasePool,
  options: Partial<KeyUsageQueueOptions> = {},
): ServiceImpl<typeof KeyLimitsService> {
  const usages = keyUsageQueue(pool, { maxBatch: 500, ...options });
  return {
    admitKey: async (request) =>
      create(AdmitKeyResponseSchema, {
        admission: toWire(await admitKeyRequest(pool, request.keyId)),
      }),
    reserveKey: async (request) =>
      create(ReserveKeyResponseSchema, {
        admission: toWire(
          await reserveKeyBudget(pool, request.keyId, request.requestId, {
            tokens: request.tokens,
            costMicroUsd: request.costMicroUsd,
          }),
        ),
      }),
    settleKey: async (request) => {
      if (request.costMicroUsd < 0n)
        throw new ConnectError("cost_micro_usd must not be negative", Code.InvalidArgument);
      await usages.write({
        keyId: request.keyId,
        requestId: request.requestId,
        tokens: request.tokens,
        costMicroUsd: request.costMicroUsd,
      });
      return create(SettleKeyResponseSchema);
    },
    releaseKey: async (request) => {
      await releaseKeyReservation(pool, request.requestId);
      return create(ReleaseKeyResponseSchema);
    },
  };
}

function toWire(admission: Admission): KeyAdmission {
  switch (admission.kind) {
    case "admitted":
      return create(KeyAdmissionSchema, { outcome: { case: "admitted", value: {} } });
    case "rate_limited":
      return create(KeyAdmissionSchema, {
        outcome: {
          case: "rateLimited",
          value: {
            limit: admission.limit === "rpm" ? KeyRateLimit.REQUESTS : KeyRateLimit.TOKENS,
            retryAfterSeconds: admission.retryAfterSeconds,
          },
        },
      });
    case "too_large":
      return create(KeyAdmissionSchema, {
        outcome: {
          case: "tooLarge",
          value: { tpmLimit: admission.tpmLimit, requestedTokens: admission.requestedTokens },
        },
      });
    case "budget_exceeded":
      return create(KeyAdmissionSchema, {
        outcome: {
          case: "budgetExceeded",
          value: {
            spentMicroUsd: admission.spentMicroUsd,
            budgetMicroUsd: admission.budgetMicroUsd,
          },
        },
      });
  }
}
