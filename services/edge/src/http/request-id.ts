import { randomBytes, randomUUID } from "node:crypto";

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Echo a well-formed client request id; otherwise make one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && ACCEPTABLE.test(value) ? value : `req_${randomUUID().replaceAll("-", "")}`;
}

/** Id separators as the real APIs write them: `chatcmpl-…`, `cmpl-…`, `resp_…`, `msg_…`. */
const UNDERSCORE_PREFIXES: ReadonlySet<string> = new Set(["resp", "msg"]);
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

const ID_RANDOM_BYTES = 24;
/** Random bytes drawn once per 170 ids instead of a call to the CSPRNG per id; each used once. */
let pool = Buffer.alloc(0);
let poolAt = 0;

export function generationId(prefix: string): string {
  if (poolAt + ID_RANDOM_BYTES > pool.length) {
    pool = randomBytes(ID_RANDOM_BYTES * 170);
    poolAt = 0;
  }
  let random = "";
  for (let i = poolAt; i < poolAt + ID_RANDOM_BYTES; i++)
    random += ALPHANUMERIC[(pool[i] as number) % 62];
  poolAt += ID_RANDOM_BYTES;
  return `${prefix}${UNDERSCORE_PREFIXES.has(prefix) ? "_" : "-"}${random}`;
}

/**
 * How a request's holds claim the consumer's x-request-id in the ledger (DESIGN §10): the ledger,
 * routing and key reservations key on `claimId`, the coordinator's own id for this HTTP request,
 * never on the client's string. The client's id is claimed once per account: a later request
 * reusing it is refused (another body, still running, or finished), so no request runs twice
 * under one id and ids never collide across accounts. Field names match the ledger's HoldRequest.
 */
export interface RequestClaim {
  /** The x-request-id the consumer sent (or the one generated for it): echoed, claimed. */
  clientRequestId: string;
  /** The coordinator's id of this HTTP request; each hold's request id derives from it. */
  claimId: string;
  /** Keyed hash of the route and canonical body (http/request-fingerprint.ts). */
  requestFingerprint: Uint8Array;
  /** The consumer sent no (well-formed) x-request-id: `clientRequestId` is the coordinator's. */
  requestIdGenerated?: boolean;
}

/** Whether the request id is one {@link requestIdFrom} made (the consumer sent none usable). */
export function requestIdGenerated(
  header: string | string[] | undefined,
  requestId: string,
): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== requestId;
}

export function requestClaim(
  clientRequestId: string,
  fingerprint: Uint8Array,
  generated = false,
): RequestClaim {
  return {
    requestIdGenerated: generated,
    clientRequestId,
    claimId: `req_${randomUUID().replaceAll("-", "")}`,
    requestFingerprint: fingerprint,
  };
}
