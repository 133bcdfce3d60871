import {
  sql,
  type CommonQueryMethods,
  type DatabasePool,
  type DatabasePoolConnection,
  type DatabaseTransactionConnection,
} from "slonik";

/** Attempts after the first when a transaction fails with a class 40 error (slonik's default). */
const RETRIES = 5;

/**
 * Why a transaction is run again: a class 40 error (serialization failure, deadlock) aborts it in
 * Postgres, and running it again is the remedy. slonik retries a failed statement by itself when
 * it does not know of a transaction, as here, so a class 40 error inside one comes back as the
 * retried statement's 25P02 ("current transaction is aborted"); handlers here never go on after
 * a failed statement, so 25P02 can only mean that.
 */
const worthRetrying = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && (code.startsWith("40") || code === "25P02");
};

type Handler<T> = (tx: DatabaseTransactionConnection) => Promise<T>;

/**
 * The pool with `transaction` (on the pool and on a connection from `connect`) run as plain
 * START TRANSACTION … COMMIT statements, nested ones as savepoints, retried on class 40 errors as
 * slonik does. slonik's own runs every transaction inside an AsyncLocalStorage, only to catch a
 * query sent through another connection from within a transaction; under Node 20 the first such
 * run turns async hooks on for every promise the process makes from then on: with them the
 * coordinator served ~15% fewer requests per core at 64 streams (bench:overhead). That check is
 * gone: a transaction's handler must use the connection it is given (docs/money.md).
 */
export function withPlainTransactions(pool: DatabasePool): DatabasePool {
  const plain: DatabasePool = {
    ...pool,
    transaction: <T>(handler: Handler<T>, retries?: number) =>
      pool.connect((connection) => transact(connection, handler, retries)),
    connect: (routine) => pool.connect((connection) => routine(withTransaction(connection))),
  };
  // The pool is also its event emitter (slonik sets the emitter as its prototype).
  Object.setPrototypeOf(plain, Object.getPrototypeOf(pool) as object);
  return plain;
}

function withTransaction(connection: DatabasePoolConnection): DatabasePoolConnection {
  return {
    ...connection,
    transaction: <T>(handler: Handler<T>, retries?: number) =>
      transact(connection, handler, retries),
  };
}

async function transact<T>(
  connection: CommonQueryMethods,
  handler: Handler<T>,
  retries = RETRIES,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    await connection.query(sql.unsafe`START TRANSACTION`);
    try {
      const result = await handler(inTransaction(connection, 1));
      await connection.query(sql.unsafe`COMMIT`);
      return result;
    } catch (error) {
      // A connection that cannot roll back is destroyed by slonik (the handler of connect threw).
      await connection.query(sql.unsafe`ROLLBACK`).catch(() => undefined);
      if (attempt >= retries || !worthRetrying(error)) throw error;
    }
  }
}

/** The transaction's connection: `transaction` on it opens a savepoint `depth` deep. */
function inTransaction(
  connection: CommonQueryMethods,
  depth: number,
): DatabaseTransactionConnection {
  return {
    ...connection,
    transaction: <T>(handler: Handler<T>, retries?: number) =>
      savepoint(connection, depth, handler, retries),
  };
}

async function savepoint<T>(
  connection: CommonQueryMethods,
  depth: number,
  handler: Handler<T>,
  retries = RETRIES,
): Promise<T> {
  const name = sql.identifier([`savepoint_${depth}`]);
  for (let attempt = 0; ; attempt++) {
    await connection.query(sql.unsafe`SAVEPOINT ${name}`);
    try {
      return await handler(inTransaction(connection, depth + 1));
    } catch (error) {
      await connection.query(sql.unsafe`ROLLBACK TO SAVEPOINT ${name}`);
      if (attempt >= retries || !worthRetrying(error)) throw error;
    }
  }
}
