import { randomBytes, randomUUID } from "node:crypto";

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Echo a well-formed client request id; otherwise make one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && ACCEPTABLE.test(value) ? value : `req_${randomUUID().replaceAll("-", "")}`;
}

export function generationId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString("base64url")}`;
}
