import type OpenAI from "openai";
import type { EventBus, RequestRecord } from "../testbed/timing/event-bus.js";
import { promptOf as makePrompt, sizeFor } from "./prompts.js";
import { sendChat, type ChatJob } from "./send-chat.js";
import { mulberry32 } from "@darkbloom/random";

export interface LoadPlan {
  /** open: Poisson arrivals at `ratePerSecond`, whatever the latency; closed: `concurrency` users each waiting for their answer. */
  mode: "open" | "closed";
  ratePerSecond?: number;
  concurrency?: number;
  /** Bounds: the run stops issuing at whichever comes first. */
  maxRequests: number;
  maxDurationMs: number;
  /** Share of streaming requests, 0..1. */
  streamShare: number;
  /** Models mixed round-robin. */
  models: readonly string[];
  maxTokens: number;
  /** One client per user (each with its own key; all pointing at loopback). */
  clients: readonly OpenAI[];
  /** Prefix of the request ids (x-request-id), unique per run. */
  runId: string;
  seed?: number;
  /** How streams are read (see `ChatJob.streamReader`; default: the official client). */
  streamReader?: "openai" | "raw";
}

export interface LoadResult {
  records: RequestRecord[];
  wallMs: number;
  /** Which client (user) sent each request, by request id. */
  userOf: Map<string, number>;
  /** The prompt of each request, by request id (for content checks). */
  promptOf: Map<string, string>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs a bounded load against loopback and returns every request's record. */
export async function runLoad(plan: LoadPlan, bus: EventBus): Promise<LoadResult> {
  if (plan.clients.length === 0 || plan.models.length === 0)
    throw new Error("a load plan needs at least one client and one model");
  const random = mulberry32(plan.seed ?? 1);
  const userOf = new Map<string, number>();
  const promptOf = new Map<string, string>();
  const started = performance.now();
  const deadline = started + plan.maxDurationMs;
  let issued = 0;
  const nextJob = (): { job: ChatJob; client: OpenAI } | undefined => {
    if (issued >= plan.maxRequests || performance.now() >= deadline) return undefined;
    const i = issued++;
    const user = i % plan.clients.length;
    const requestId = `${plan.runId}-${i}`;
    userOf.set(requestId, user);
    const job: ChatJob = {
      requestId,
      model: plan.models[i % plan.models.length] ?? "",
      prompt: makePrompt(sizeFor(i), i % 7),
      maxTokens: plan.maxTokens,
      stream: random() < plan.streamShare,
      streamReader: plan.streamReader,
    };
    promptOf.set(requestId, job.prompt);
    return { job, client: plan.clients[user] as OpenAI };
  };
  const records: RequestRecord[] = [];

  if (plan.mode === "closed") {
    const users = Math.max(1, plan.concurrency ?? 1);
    await Promise.all(
      Array.from({ length: users }, async () => {
        for (let next = nextJob(); next; next = nextJob()) {
          records.push(await sendChat(next.client, next.job, bus));
        }
      }),
    );
  } else {
    const rate = plan.ratePerSecond ?? 1;
    const inFlight: Array<Promise<void>> = [];
    for (let next = nextJob(); next; next = nextJob()) {
      const { job, client } = next;
      inFlight.push(sendChat(client, job, bus).then((r) => void records.push(r)));
      // Exponential inter-arrival gaps: a Poisson process at `rate` per second.
      await sleep((-Math.log(1 - random()) / rate) * 1000);
    }
    await Promise.all(inFlight);
  }
  return { records, wallMs: performance.now() - started, userOf, promptOf };
}
