import {
  createPool as createSlonikPool,
  type DatabasePool,
  type DatabaseTransactionConnection,
} from "slonik";
import { createResultParserInterceptor } from "./result-parser.js";

/** What store functions take: the caller decides whether it is a pool or an open transaction. */
export type DbConnection = DatabasePool | DatabaseTransactionConnection;

export type PoolOptions = {
  /** Most connections the pool opens. Default 10. */
  readonly maximumPoolSize?: number;
  /** Server-side statement timeout. Default 60 000 ms. */
  readonly statementTimeoutMs?: number;
};

/** A slonik pool whose `sql.type(schema)` queries are validated by zod; int8 comes back as bigint. */
export async function createPool(
  databaseUrl: string,
  options: PoolOptions = {},
): Promise<DatabasePool> {
  return createSlonikPool(databaseUrl, {
    maximumPoolSize: options.maximumPoolSize ?? 10,
    statementTimeout: options.statementTimeoutMs ?? 60_000,
    interceptors: [createResultParserInterceptor()],
  });
}
