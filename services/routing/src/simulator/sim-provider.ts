import { SlotState, ThermalState, TrustLevel } from "@darkbloom/proto";
import { matchedPrefixBlocks, PREFIX_BLOCK_TOKENS } from "../scheduler/scorers/prefix-affinity.js";
import type { ProviderView, RouteRequest, SlotView } from "../scheduler/types.js";
import type { ProviderStats } from "../stats/provider-stats.js";
import type { FleetClass } from "./fleet.js";

/** Batch interference: each running sequence slows prefill by 5% and decode steps by 8%. */
const PREFILL_SLOWDOWN_PER_SEQ = 0.05;
const DECODE_SLOWDOWN_PER_SEQ = 0.08;

export interface Sequence {
  model: string;
  tokens: number;
  prefillStart: number;
  firstTokenAt: number;
  endAt: number;
}

export interface Dispatch {
  seq: Sequence;
  cachedTokens: number;
  stalled: boolean;
}

/** One simulated machine: a serial prefill stage, batched decode, a KV budget, an LRU prefix cache. */
export class SimProvider {
  private running: Sequence[] = [];
  private prefillBusyUntil = 0;
  private readonly cache = new Set<string>();
  busyMs = 0;
  private busySince = -1;

  constructor(
    readonly id: string,
    readonly spec: FleetClass,
    private readonly stats: ProviderStats,
  ) {}

  /** Drops sequences finished by `now`, accounting busy time. */
  advance(now: number): void {
    this.running = this.running.filter((s) => s.endAt > now);
    if (this.running.length === 0 && this.busySince >= 0) {
      this.busyMs += now - this.busySince;
      this.busySince = -1;
    }
  }

  nextEndAt(): number {
    let t = Infinity;
    for (const s of this.running) t = Math.min(t, s.endAt);
    return t;
  }

  view(now: number): ProviderView {
    const slots = new Map<string, SlotView>();
    for (const model of this.spec.models) {
      const seqs = this.running.filter((s) => s.model === model);
      slots.set(model, {
        state: seqs.length > 0 ? SlotState.RUNNING : SlotState.IDLE,
        running: seqs.filter((s) => s.prefillStart <= now).length,
        waiting: seqs.filter((s) => s.prefillStart > now).length,
        activeTokens: 0,
        maxTokensPotential: seqs.reduce((n, s) => n + s.tokens, 0),
        kvCapacityTokens: this.spec.kvCapacityTokens,
        prefixHashes: this.cache,
      });
    }
    const stats = this.stats;
    const spec = this.spec;
    return {
      id: this.id,
      trustLevel: TrustLevel.SOFTWARE,
      routable: true,
      models: new Map(
        spec.models.map((m) => [
          m,
          {
            templateOk: true,
            sizeBytes: 4e9,
            contextLength: 8192,
            quantization: "q4",
            fenced: false,
          },
        ]),
      ),
      slots,
      unseenRequests: () => 0,
      unseenTokens: () => 0,
      inFlight: this.running.length,
      memoryPressure: 0,
      cpuUsage: 0,
      thermal: ThermalState.NOMINAL,
      decodeTps: (m) => stats.decodeTps(this.id, m) ?? spec.decodeTps,
      prefillTps: (m) =>
        spec.prefillTps *
        Math.min(
          2,
          Math.max(0.25, (stats.decodeTps(this.id, m) ?? spec.decodeTps) / spec.decodeTps),
        ),
      reputation: stats.reputation(this.id),
    };
  }

  /** Starts a request at `now`; returns when its first token and its last token come. */
  dispatch(req: RouteRequest, outputTokens: number, now: number, random: () => number): Dispatch {
    const view = this.view(now);
    const cachedTokens = Math.min(
      req.promptTokens,
      matchedPrefixBlocks(req, view) * PREFIX_BLOCK_TOKENS,
    );
    const batch = this.running.length;
    const prefillStart = Math.max(now, this.prefillBusyUntil);
    const prefillMs =
      ((req.promptTokens - cachedTokens) / this.spec.prefillTps) *
      1000 *
      (1 + PREFILL_SLOWDOWN_PER_SEQ * batch);
    this.prefillBusyUntil = prefillStart + prefillMs;
    const stalled = random() < this.spec.stallRate;
    const firstTokenAt = prefillStart + prefillMs + (stalled ? this.spec.stallMs : 0);
    const perTokenMs = (1000 / this.spec.decodeTps) * (1 + DECODE_SLOWDOWN_PER_SEQ * batch);
    const seq: Sequence = {
      model: req.model,
      tokens: req.promptTokens + req.maxTokens,
      prefillStart,
      firstTokenAt,
      endAt: firstTokenAt + Math.max(1, outputTokens) * perTokenMs,
    };
    this.running.push(seq);
    if (this.busySince < 0) this.busySince = now;
    for (const h of req.prefixHashes) {
      this.cache.delete(h);
      this.cache.add(h);
    }
    while (this.cache.size > this.spec.prefixCacheBlocks) {
      const oldest = this.cache.values().next().value as string;
      this.cache.delete(oldest);
    }
    return { seq, cachedTokens, stalled };
  }

  /** Cancels a sequence (the loser of a hedge) at `at`. */
  cancel(seq: Sequence, at: number): void {
    seq.endAt = Math.min(seq.endAt, at);
  }

  finish(now: number): void {
    this.advance(now);
    if (this.busySince >= 0) {
      this.busyMs += now - this.busySince;
      this.busySince = now;
    }
  }
}
