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

export function generationId(prefix: string): string {
  const random = [...randomBytes(24)].map((b) => ALPHANUMERIC[b % 62]).join("");
  return `${prefix}${UNDERSCORE_PREFIXES.has(prefix) ? "_" : "-"}${random}`;
}
