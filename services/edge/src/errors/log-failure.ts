import type { Logger } from "@darkbloom/telemetry";
import type { EdgeError } from "./edge-error.js";

const MAX_CAUSE_CHARS = 1_000;

/**
 * The chain of causes behind an error, innermost last (`Error: x ← ConnectError: y`), with the
 * innermost one's top stack frame: what an operator needs to find a 500's origin.
 */
export function describeCause(err: unknown): string {
  const parts: string[] = [];
  let at = "";
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (!(current instanceof Error)) {
      parts.push(typeof current === "string" ? current : (JSON.stringify(current) ?? ""));
      break;
    }
    parts.push(`${current.name}: ${current.message}`);
    at =
      current.stack
        ?.split("\n")
        .find((line) => line.trim().startsWith("at "))
        ?.trim() ?? at;
    current = current.cause;
  }
  const text = parts.join(" ← ") + (at ? ` (${at})` : "");
  return text.length > MAX_CAUSE_CHARS ? `${text.slice(0, MAX_CAUSE_CHARS)}…` : text;
}

/** Logs a server-side failure (5xx) with its cause; a 4xx is the client's and is not logged. */
export function logServerFailure(log: Logger, msg: string, edge: EdgeError): void {
  if (edge.status < 500) return;
  const fields = { status: edge.status, code: edge.code ?? "", cause: describeCause(edge.cause) };
  if (edge.status === 500) log.error(msg, fields);
  else log.warn(msg, fields);
}
