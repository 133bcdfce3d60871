import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { sealWithSharedKey, toBase64 } from "@darkbloom/crypto";
import { SEALED_CONTENT_TYPE } from "./sealed-request.js";

type Mode = "pending" | "json" | "sse";
type Callback = (err?: Error | null) => void;
type Chunk = string | Uint8Array;

const toBytes = (chunk: Chunk, encoding?: BufferEncoding): Buffer =>
  typeof chunk === "string" ? Buffer.from(chunk, encoding ?? "utf8") : Buffer.from(chunk);

/**
 * Makes every byte a handler writes to `res` leave sealed to the sender's ephemeral key, whatever
 * the handler (and whatever the status): a JSON body becomes `{"kid","ciphertext"}`; an event
 * stream becomes one `data: <base64(nonce ‖ box(event))>` per original event, where the sealed
 * event is its text without the blank-line terminator (e.g. `data: {...}`). The status code and
 * headers stay in the clear. `sharedKey` is zeroed when the response closes.
 */
export function sealResponse(res: ServerResponse, sharedKey: Uint8Array, kid: string): void {
  const writeHead = res.writeHead.bind(res);
  const write = res.write.bind(res) as (chunk: Chunk, cb?: Callback) => boolean;
  const end = res.end.bind(res) as (chunk?: Chunk | Callback, cb?: Callback) => ServerResponse;
  const flushHeaders = res.flushHeaders.bind(res);
  let mode: Mode = "pending";
  const body: Buffer[] = [];
  let pendingEvents = "";

  const decide = (): void => {
    if (mode !== "pending") return;
    const type = String(res.getHeader("content-type") ?? "");
    res.removeHeader("content-length");
    if (type.startsWith("text/event-stream")) {
      mode = "sse";
      res.setHeader("x-darkbloom-sealed", "sse");
      writeHead(res.statusCode);
    } else {
      mode = "json";
    }
  };
  const sealEvent = (event: string): string =>
    `data: ${toBase64(sealWithSharedKey(sharedKey, Buffer.from(event, "utf8")))}\n\n`;
  const flushEvents = (): boolean => {
    let ok = true;
    for (let at = pendingEvents.indexOf("\n\n"); at >= 0; at = pendingEvents.indexOf("\n\n")) {
      const event = pendingEvents.slice(0, at);
      pendingEvents = pendingEvents.slice(at + 2);
      ok = write(sealEvent(event));
    }
    return ok;
  };

  res.writeHead = (status: number, ...rest: unknown[]) => {
    const headers = rest.find((a): a is OutgoingHttpHeaders => typeof a === "object" && a !== null);
    for (const [name, value] of Object.entries(headers ?? {}))
      if (value !== undefined) res.setHeader(name, value);
    res.statusCode = status;
    decide();
    return res;
  };

  res.flushHeaders = () => {
    if (mode === "sse") flushHeaders();
  };

  res.write = ((chunk: Chunk, encoding?: BufferEncoding | Callback, cb?: Callback) => {
    if (res.destroyed || res.writableEnded) return false;
    decide();
    const enc = typeof encoding === "string" ? encoding : undefined;
    const done = typeof encoding === "function" ? encoding : cb;
    if (mode === "json") {
      body.push(toBytes(chunk, enc));
      done?.();
      return true;
    }
    pendingEvents += toBytes(chunk, enc).toString("utf8");
    const ok = flushEvents();
    done?.();
    return ok;
  }) as ServerResponse["write"];

  res.end = ((chunk?: Chunk | Callback, encoding?: BufferEncoding | Callback, cb?: Callback) => {
    const done = [chunk, encoding, cb].find((a): a is Callback => typeof a === "function");
    if (res.writableEnded) {
      done?.();
      return res;
    }
    if (chunk !== undefined && typeof chunk !== "function")
      res.write(chunk, typeof encoding === "string" ? encoding : "utf8");
    decide();
    if (mode === "sse") {
      if (pendingEvents.trim()) write(sealEvent(pendingEvents.replace(/\n+$/, "")));
      pendingEvents = "";
      return end(done);
    }
    const sealed = JSON.stringify({
      kid,
      ciphertext: toBase64(sealWithSharedKey(sharedKey, Buffer.concat(body))),
    });
    res.setHeader("content-type", SEALED_CONTENT_TYPE);
    res.setHeader("content-length", Buffer.byteLength(sealed));
    res.setHeader("x-darkbloom-sealed", "json");
    writeHead(res.statusCode);
    return end(sealed, done);
  }) as ServerResponse["end"];

  res.once("close", () => sharedKey.fill(0));
}
