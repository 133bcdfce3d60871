// Raw HTTP against a (fake) API server, for tests that check wire-level semantics.
import http from "node:http";

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { "content-type": contentType },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export interface WatchStream {
  events: { type: string; object: Record<string, unknown> }[];
  /** Resolves with the first event (counting from now or from the start) that matches. */
  next(
    match: (e: { type: string; object: Record<string, unknown> }) => boolean,
    timeoutMs?: number,
  ): Promise<{ type: string; object: Record<string, unknown> }>;
  ended: Promise<void>;
  close(): void;
}

export function watch(base: string, path: string): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(base + path, (res) => {
      const events: WatchStream["events"] = [];
      const waiters: (() => void)[] = [];
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line) as WatchStream["events"][number]);
        }
        for (const w of waiters.splice(0)) w();
      });
      const ended = new Promise<void>((r) =>
        res.on("close", () => {
          r();
          for (const w of waiters.splice(0)) w();
        }),
      );
      resolve({
        events,
        ended,
        next(match, timeoutMs = 10_000) {
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error("no matching watch event")), timeoutMs);
            const check = () => {
              const e = events.find(match);
              if (e) {
                clearTimeout(timer);
                ok(e);
              } else if (res.closed) {
                clearTimeout(timer);
                fail(
                  new Error(`watch closed; events: ${JSON.stringify(events.map((x) => x.type))}`),
                );
              } else waiters.push(check);
            };
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
  });
}

/** Polls `fn` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}
