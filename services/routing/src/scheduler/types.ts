import type { SlotState, ThermalState, TrustLevel } from "@darkbloom/proto";

/** What the scheduler knows about one request: cleartext routing metadata only. */
export interface RouteRequest {
  model: string;
  promptTokens: number;
  maxTokens: number;
  minTrust: TrustLevel;
  /** Keyed hashes of the prompt's token-block prefixes, in order (hex). */
  prefixHashes: readonly string[];
  /**
   * How many of `promptTokens`' units one prefix block stands for. The edge's estimate counts a
   * token per byte, so a 1,024-byte block is 1,024 of its tokens; a trace of real token counts
   * says 256.
   */
  prefixBlockTokens: number;
  /** The consumer's quantization allow-list, lower case (empty = any). */
  quantizations: readonly string[];
  /**
   * The consumer's `provider.sort`: `throughput` orders admitted providers by decode tokens/s,
   * `latency` strictly by expected time to first token; absent or `price` = the profile's picker
   * (prices are per model, so among providers of one model price cannot order them).
   */
  sort?: ProviderSort;
}

export type ProviderSort = "price" | "throughput" | "latency";

/** One model slot as the provider's engine last reported it (authoritative). */
export interface SlotView {
  state: SlotState;
  running: number;
  waiting: number;
  activeTokens: number;
  /** Worst-case tokens the running and waiting sequences may still hold (prompt + max). */
  maxTokensPotential: number;
  /** Engine-reported KV capacity in tokens; 0 when the engine does not report it. */
  kvCapacityTokens: number;
  prefixHashes: ReadonlySet<string>;
}

export interface ModelView {
  templateOk: boolean;
  sizeBytes: number;
  contextLength: number;
  quantization: string;
  /** Attestation does not trust this model's weight hash on this provider. */
  fenced: boolean;
  /** Announced as on disk but not loaded (the warm pool may load it); absent = false. */
  onDiskOnly?: boolean;
}

/**
 * A provider as the scheduler sees it at one instant. Built from the live session in production
 * and from the simulated fleet in the simulator, so both run the same plugins. A view is a
 * snapshot: it must not change once handed to the scheduler (build a new one when the provider's
 * state changes), because the scheduler caches per-view figures by object identity.
 */
export interface ProviderView {
  id: string;
  trustLevel: TrustLevel;
  /** False when attestation fenced the provider (failed, stale or untrusted hashes). */
  routable: boolean;
  models: ReadonlyMap<string, ModelView>;
  /** Per model, from the last heartbeat; absent before the first heartbeat. */
  slots: ReadonlyMap<string, SlotView>;
  /** Requests dispatched or reserved, per model, that the last heartbeat cannot know about yet. */
  unseenRequests(model: string): number;
  /** Tokens (prompt + max) of those unseen requests. */
  unseenTokens(model: string): number;
  inFlight: number;
  memoryPressure: number;
  cpuUsage: number;
  thermal: ThermalState;
  /** Prefill and decode speed for the model: observed (EWMA) when known, else the benchmark. */
  prefillTps(model: string): number;
  decodeTps(model: string): number;
  /** 0..1: completed / (completed + failed + timed out), with a prior for new providers. */
  reputation: number;
}

export interface Filter {
  readonly name: string;
  /** eligibility: the provider may never serve this request; capacity: not right now (queue). */
  readonly kind: "eligibility" | "capacity";
  /**
   * What of the request the rule reads: `class` = only model, minTrust and quantizations (the
   * scheduler may cache the answer per view and request class); `request` (default) = anything.
   */
  readonly reads?: "class" | "request";
  accepts(req: RouteRequest, p: ProviderView): boolean;
}

/** A lower bound of a score valid for every request of the model: constMs + perPromptTokenMs × prompt tokens. */
export interface ScoreFloor {
  constMs: number;
  perPromptTokenMs: number;
}

/** Returns expected milliseconds of added time to first token (negative = time saved). */
export interface Scorer {
  readonly name: string;
  score(req: RouteRequest, p: ProviderView): number;
  /** Optional cheap lower bound per view and model; lets the scheduler skip hopeless providers. */
  floor?(model: string, p: ProviderView): ScoreFloor;
  /**
   * Optional, for a scorer that is 0 unless the provider holds the request's key (prefix
   * affinity: the first prefix block): the keys a provider holds, and the request's key.
   */
  sparse?: {
    heldKeys(model: string, p: ProviderView): Iterable<string>;
    requestKey(req: RouteRequest): string | undefined;
  };
}

export interface Scored {
  provider: ProviderView;
  /** Weighted sum of scorer outputs, in milliseconds. */
  ms: number;
}

/** Orders the scored candidates best first; a picker may stop after `limit` of them. */
export interface Picker {
  readonly name: string;
  order(
    req: RouteRequest,
    scored: readonly Scored[],
    random: () => number,
    limit?: number,
  ): Scored[];
  /**
   * Optional: given the best score and the limit-th best score seen so far (Infinity when fewer),
   * a score above which a candidate can neither be returned nor change the order.
   */
  cutoffMs?(bestMs: number, limitthMs: number): number;
}
