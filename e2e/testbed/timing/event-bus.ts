import type { TimingEntry } from "./server-timing.js";

/** Everything the testbed observes about one request, in client-side milliseconds since its start. */
export interface RequestRecord {
  requestId: string;
  /** performance.now() when the request was sent. */
  startedAtMs: number;
  stream: boolean;
  maxTokens: number;
  promptChars: number;
  status: number;
  /** OpenAI error code/type when the request failed (HTTP error or mid-stream error event). */
  error?: string;
  providerId?: string;
  headersMs?: number;
  firstTokenMs?: number;
  /** Arrival time of each content chunk. */
  chunkMs: number[];
  completeMs?: number;
  text: string;
  finishReason?: string;
  usage?: { promptTokens: number; completionTokens: number };
  /** Server segments from the X-Timing header (empty when the server sends none). */
  server: TimingEntry[];
}

export type LoadEvent =
  | { type: "sent"; requestId: string; atMs: number }
  | { type: "headers"; requestId: string; atMs: number; status: number }
  | { type: "chunk"; requestId: string; atMs: number; index: number }
  | { type: "finished"; record: RequestRecord };

export type Collector = (event: LoadEvent) => void;

/** Fans every event out to the subscribed collectors, synchronously and in subscription order. */
export class EventBus {
  private readonly collectors = new Set<Collector>();

  subscribe(collector: Collector): () => void {
    this.collectors.add(collector);
    return () => this.collectors.delete(collector);
  }

  emit(event: LoadEvent): void {
    for (const c of this.collectors) c(event);
  }
}
