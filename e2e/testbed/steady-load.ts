import OpenAI from "openai";
import type { TestUser } from "./user-pool.js";

export interface SteadyLoadOptions {
  /** Where requests go (the load balancer's http:// URL). */
  url: string;
  users: readonly TestUser[];
  model: string;
  /** Concurrent clients, each sending one request after the other (default 6). */
  workers?: number;
  maxTokens?: number;
  /** Prompt of request `i` of worker `w` (default `load w.i`). */
  prompt?: (w: number, i: number) => string;
}

export interface SteadyLoad {
  /** Answers that arrived complete (a finish reason and some text). */
  readonly ok: number;
  /** One line per request that failed or came back incomplete. */
  readonly failures: readonly string[];
  /** Streamed and whole answers that arrived complete. */
  readonly completed: { stream: number; whole: number };
  /** Resolves once `ok` grew by `n` from now (or rejects after `timeoutMs`). */
  progress(n: number, timeoutMs?: number): Promise<void>;
  /** Stops sending and waits for the requests in flight to end. */
  stop(): Promise<void>;
}

/**
 * Steady consumer traffic: `workers` OpenAI clients (no retries) alternating streamed and whole
 * chat completions. An answer counts as complete only with a finish reason (`stop`/`length`) and
 * non-empty text; anything else (an HTTP error, an error event, a stream cut short) is a failure.
 */
export function startSteadyLoad(options: SteadyLoadOptions): SteadyLoad {
  let stopping = false;
  const failures: string[] = [];
  const completed = { stream: 0, whole: 0 };
  const okCount = (): number => completed.stream + completed.whole;
  const worker = async (w: number): Promise<void> => {
    const client = new OpenAI({
      baseURL: `${options.url}/v1`,
      apiKey: options.users[w % options.users.length]?.apiKey ?? "",
      maxRetries: 0,
      timeout: 60_000,
    });
    for (let i = 0; !stopping; i++) {
      const name = `load ${w}.${i}`;
      const request = {
        model: options.model,
        messages: [{ role: "user" as const, content: options.prompt?.(w, i) ?? name }],
        max_tokens: options.maxTokens ?? 8,
      };
      const streamed = i % 2 === 0;
      try {
        let finish: string | null | undefined;
        let text = "";
        if (streamed) {
          const stream = await client.chat.completions.create({ ...request, stream: true });
          for await (const chunk of stream) {
            text += chunk.choices[0]?.delta.content ?? "";
            finish = chunk.choices[0]?.finish_reason ?? finish;
          }
        } else {
          const answer = await client.chat.completions.create(request);
          text = answer.choices[0]?.message.content ?? "";
          finish = answer.choices[0]?.finish_reason;
        }
        if (finish !== "stop" && finish !== "length")
          failures.push(`${name} (${streamed ? "stream" : "whole"}): finish reason ${finish}`);
        else if (text === "") failures.push(`${name}: empty answer`);
        else if (streamed) completed.stream++;
        else completed.whole++;
      } catch (err) {
        failures.push(`${name} (${streamed ? "stream" : "whole"}): ${String(err)}`);
      }
    }
  };
  const running = Array.from({ length: options.workers ?? 6 }, (_, w) => worker(w));
  return {
    get ok() {
      return okCount();
    },
    failures,
    completed,
    async progress(n, timeoutMs = 60_000) {
      const target = okCount() + n;
      const end = Date.now() + timeoutMs;
      while (okCount() < target) {
        if (stopping) throw new Error("the load was stopped");
        if (Date.now() > end)
          throw new Error(
            `load: ${okCount()} of ${target} answers within ${timeoutMs} ms; failures: ${failures.slice(0, 3).join("; ")}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      stopping = true;
      await Promise.all(running);
    },
  };
}
