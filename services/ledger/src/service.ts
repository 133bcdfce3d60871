import { create } from "@bufbuild/protobuf";
import { ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { DatabasePool, DbConnection } from "@darkbloom/db";
import {
  CreditResponseSchema,
  GetBalanceResponseSchema,
  GetPriceResponseSchema,
  HoldResponseSchema,
  LedgerService,
  SettleResponseSchema,
} from "@darkbloom/proto";
import { readBalance } from "./balance.js";
import { creditAccount } from "./credit.js";
import type { CreditLeases } from "./credit-leases.js";
import { placeHold } from "./hold.js";
import { getPrice } from "./prices.js";
import type { SettleOptions } from "./settle.js";
import { SettlementQueue } from "./settlement-queue.js";

export type LedgerServiceOptions = SettleOptions & {
  /** Most settlements written in one transaction (group commit). Default 128. */
  readonly maxSettleBatch?: number;
  /** After each settlement batch, with its size (e.g. a metric). */
  readonly onSettleBatch?: (size: number) => void;
  /**
   * This replica's credit leases (credit-leases.ts): holds of requests whose x-request-id the
   * coordinator generated are placed against them in memory. Absent: every hold in Postgres.
   */
  readonly leases?: CreditLeases;
};

/**
 * The LedgerService over a pool: each call is one database transaction (slonik retries it on
 * serialization failures and deadlocks), but Settle, which settlements share in batches
 * (settlement-queue.ts). Errors are ConnectErrors; see ledger-errors.ts.
 */
export function createLedgerService(
  pool: DatabasePool,
  options: LedgerServiceOptions = { referralSharePercent: 0 },
): ServiceImpl<typeof LedgerService> {
  const leases = options.leases;
  const settlements = new SettlementQueue(pool, {
    referralSharePercent: options.referralSharePercent,
    maxBatch: options.maxSettleBatch ?? 128,
    onBatch: options.onSettleBatch,
  });
  const inTransaction = <T>(work: (connection: DbConnection) => Promise<T>): Promise<T> =>
    pool.transaction(work).catch((error: unknown) => {
      throw ConnectError.from(error);
    });
  return {
    getBalance: async (request) =>
      create(GetBalanceResponseSchema, await readBalance(pool, request.accountId)),
    hold: async (request) => {
      // A consumer's own x-request-id is claimed in Postgres before the request runs (any
      // replica may see its reuse); otherwise the hold may be placed against a credit lease.
      const held =
        leases !== undefined && (request.clientRequestId === "" || request.requestIdGenerated)
          ? await leases.hold(request)
          : await inTransaction((tx) => placeHold(tx, request));
      return create(HoldResponseSchema, { heldMicroUsd: held });
    },
    settle: async (request) => {
      const leased = leases?.take(request.requestId);
      const settling = settlements.settle({
        requestId: request.requestId,
        providerAccountId: request.providerAccountId,
        promptTokens: request.usage?.promptTokens ?? 0,
        completionTokens: request.usage?.completionTokens ?? 0,
        generationId: request.generationId,
        machineId: request.providerMachineId,
        ...(leased === undefined ? {} : { leased }),
      });
      if (leased !== undefined)
        settling.then(
          (figures) => leases?.settled(leased, figures),
          () => leases?.settled(leased, undefined),
        );
      const figures = await settling;
      return create(SettleResponseSchema, {
        chargedMicroUsd: figures.chargedMicroUsd,
        providerCreditMicroUsd: figures.providerCreditMicroUsd,
        platformFeeMicroUsd: figures.platformFeeMicroUsd,
        releasedMicroUsd: figures.releasedMicroUsd,
      });
    },
    credit: async (request) => {
      const balance = await inTransaction(async (tx) => {
        await creditAccount(tx, request);
        return readBalance(tx, request.accountId);
      });
      return create(CreditResponseSchema, { balanceMicroUsd: balance.balanceMicroUsd });
    },
    getPrice: async (request) => {
      const price = await getPrice(pool, request.model);
      return create(GetPriceResponseSchema, { model: request.model, ...price });
    },
  };
}
