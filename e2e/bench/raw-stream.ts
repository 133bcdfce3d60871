import { type Agent, request } from "node:http";
import { performance } from "node:perf_hooks";

export interface StreamSample {
  ttftMs: number;
  ok: boolean;
}

/**
 * One streamed chat completion over raw HTTP (no SDK parsing on the bench's side of the clock):
 * time to the first content piece, found as `marker` in the response bytes.
 */
export function streamOnce(
  agent: Agent,
  url: URL,
  key: string,
  body: string,
  marker: string,
): Promise<StreamSample> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let ttftMs = -1;
    let seen = "";
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.setEncoding("latin1");
        res.on("data", (s: string) => {
          if (ttftMs >= 0) return;
          seen = seen.length > 64 ? seen.slice(-64) + s : seen + s;
          if (seen.includes(marker)) ttftMs = performance.now() - t0;
        });
        res.on("end", () => resolve({ ttftMs, ok: res.statusCode === 200 && ttftMs >= 0 }));
        res.on("error", () => resolve({ ttftMs, ok: false }));
      },
    );
    req.on("error", () => resolve({ ttftMs, ok: false }));
    req.end(body);
  });
}
