import { badRequest } from "../errors/edge-error.js";

/**
 * One URL path segment, percent-decoded: broken encoding (`%ZZ`, a cut-off `%E0%A4%A`) and NUL
 * (which no stored id holds and Postgres `text` refuses) are a 400 naming the path.
 */
export function decodePathParam(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw badRequest(`the path segment '${raw}' is not valid percent-encoding`, "path");
  }
  if (decoded.includes("\u0000"))
    throw badRequest("a path segment must not contain NUL characters", "path");
  return decoded;
}
