// Model ids travel to Postgres (holds, prices) and to logs: printable text only, so a NUL byte
// or control character is a 400 here rather than a database error later.
import { badRequest } from "../errors/edge-error.js";

const UNPRINTABLE = /[\u0000-\u001f\u007f]|[\ud800-\udfff]/u;

export function isValidModelId(id: string): boolean {
  return id.length > 0 && id.length <= 256 && !UNPRINTABLE.test(id) && id.trim() === id;
}

export function assertModelId(id: string, param: string): void {
  if (!isValidModelId(id))
    throw badRequest(`${param}: a model id is 1-256 printable characters`, param, "invalid_model");
}
