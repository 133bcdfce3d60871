import type { SlotState, ThermalState, TrustLevel } from "@darkbloom/proto";

/** What the scheduler knows about one request: cleartext routing metadata only. */
export interface RouteRequest {
  model: string;
  promptTokens: number;
  maxTokens: number;
  minTrust: TrustLevel;
  /** Keyed hashes of the prompt's token-block prefixes, in order (hex). */
  prefixHashes: readonly string[];
  /** The consumer's quantization allow-list, lower case (empty = any). */
  quantizations: readonly string[];
}

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
}

/**
 * A provider as the scheduler sees it at one instant. Built from the live session in production
 * and from the simulated fleet in the simulator, so both run the same plugins.
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
  accepts(req: RouteRequest, p: ProviderView): boolean;
}

/** Returns expected milliseconds of added time to first token (negative = time saved). */
export interface Scorer {
  readonly name: string;
  score(req: RouteRequest, p: ProviderView): number;
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
}
