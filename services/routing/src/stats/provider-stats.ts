import { ewma } from "./ewma.js";

/** Weight of the newest sample in every moving average here. */
export const EWMA_ALPHA = 0.2;
/**
 * Fewer decoded tokens than this say more about millisecond clocks and chunk coalescing than about
 * speed: a few one-word answers must not halve (or double) a provider's estimate.
 */
export const MIN_DECODE_SAMPLE_TOKENS = 16;
/** Prior for reputation: a new provider counts as 9 successes in 10. */
const PRIOR_OK = 9;
const PRIOR_TOTAL = 10;
/** A timeout weighs like this many failures. */
const TIMEOUT_WEIGHT = 2;
/** A usage report the relayed bytes cannot support (an attempt to overbill) weighs this many. */
const DISPUTE_WEIGHT = 5;
/** Service time assumed for a model before any request of it completed. */
export const DEFAULT_SERVICE_MS = 10_000;

interface ModelRecord {
  decodeTps?: number;
  ttftMs?: number;
}

interface Reputation {
  ok: number;
  failed: number;
  timeouts: number;
  disputes: number;
}

/** `disputed`: the request completed but the provider reported more usage than it delivered. */
export type Outcome = "ok" | "failed" | "timeout" | "disputed";

/**
 * What the relay observed per provider × model (EWMA of decode tokens/s measured from chunk
 * timing, EWMA of time to first token) and per provider (reputation). `forget` on disconnect.
 */
export class ProviderStats {
  private readonly models = new Map<string, Map<string, ModelRecord>>();
  private readonly reputations = new Map<string, Reputation>();
  private readonly serviceByModel = new Map<string, number>();
  private readonly epochs = new Map<string, number>();

  /** Changes to one provider's records (the router caches views on it). */
  epoch(providerId: string): number {
    return this.epochs.get(providerId) ?? 0;
  }

  private bump(providerId: string): void {
    this.epochs.set(providerId, this.epoch(providerId) + 1);
  }

  recordFirstToken(providerId: string, model: string, ttftMs: number): void {
    const r = this.record(providerId, model);
    r.ttftMs = ewma(r.ttftMs, ttftMs, EWMA_ALPHA);
    this.bump(providerId);
  }

  /** Tokens decoded after the first chunk over the time they took (short answers are ignored). */
  recordDecode(providerId: string, model: string, tokens: number, elapsedMs: number): void {
    if (tokens < MIN_DECODE_SAMPLE_TOKENS || elapsedMs <= 0) return;
    const r = this.record(providerId, model);
    r.decodeTps = ewma(r.decodeTps, (tokens * 1000) / elapsedMs, EWMA_ALPHA);
    this.bump(providerId);
  }

  recordOutcome(providerId: string, outcome: Outcome): void {
    let r = this.reputations.get(providerId);
    if (!r) this.reputations.set(providerId, (r = { ok: 0, failed: 0, timeouts: 0, disputes: 0 }));
    if (outcome === "ok") r.ok++;
    else if (outcome === "failed") r.failed++;
    else if (outcome === "timeout") r.timeouts++;
    else r.disputes++;
    this.bump(providerId);
  }

  recordServiceMs(model: string, ms: number): void {
    this.serviceByModel.set(model, ewma(this.serviceByModel.get(model), ms, EWMA_ALPHA));
  }

  decodeTps(providerId: string, model: string): number | undefined {
    return this.models.get(providerId)?.get(model)?.decodeTps;
  }

  ttftMs(providerId: string, model: string): number | undefined {
    return this.models.get(providerId)?.get(model)?.ttftMs;
  }

  /** Success rate with a prior, timeouts counting double and usage disputes five times: 0..1. */
  reputation(providerId: string): number {
    const r = this.reputations.get(providerId);
    if (!r) return PRIOR_OK / PRIOR_TOTAL;
    const bad = r.failed + TIMEOUT_WEIGHT * r.timeouts + DISPUTE_WEIGHT * r.disputes;
    return (r.ok + PRIOR_OK) / (r.ok + bad + PRIOR_TOTAL);
  }

  serviceMs(model: string): number {
    return this.serviceByModel.get(model) ?? DEFAULT_SERVICE_MS;
  }

  /** Drops everything known about a provider (it disconnected). */
  forget(providerId: string): void {
    this.models.delete(providerId);
    this.reputations.delete(providerId);
    this.epochs.delete(providerId);
  }

  /** Providers with any record (for leak tests). */
  get providerCount(): number {
    return new Set([...this.models.keys(), ...this.reputations.keys()]).size;
  }

  private record(providerId: string, model: string): ModelRecord {
    let byModel = this.models.get(providerId);
    if (!byModel) this.models.set(providerId, (byModel = new Map<string, ModelRecord>()));
    let r = byModel.get(model);
    if (!r) byModel.set(model, (r = {}));
    return r;
  }
}
