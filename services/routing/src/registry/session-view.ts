import { ThermalState } from "@darkbloom/proto";
import type { ProviderHandle } from "./provider-handle.js";
import type { Reservations } from "../reservations.js";
import type { ModelView, ProviderView, SlotView } from "../scheduler/types.js";
import type { ProviderStats } from "../stats/provider-stats.js";

/** Speeds assumed when the provider sent no benchmark and nothing was observed yet. */
export const FALLBACK_PREFILL_TPS = 200;
export const FALLBACK_DECODE_TPS = 20;

export interface ViewDeps {
  stats: ProviderStats;
  reservations: Reservations;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

interface StaticPart {
  register: unknown;
  heartbeat: unknown;
  trust: unknown;
  models: ReadonlyMap<string, ModelView>;
  slots: ReadonlyMap<string, SlotView>;
}

/** Models and slots change only with a new Register, Heartbeat or trust: built once for each. */
const staticParts = new WeakMap<ProviderHandle, StaticPart>();

function staticPart(session: ProviderHandle): StaticPart {
  const { register, heartbeat, trust } = session;
  const cached = staticParts.get(session);
  if (
    cached &&
    cached.register === register &&
    cached.heartbeat === heartbeat &&
    cached.trust === trust
  )
    return cached;
  const models = new Map<string, ModelView>();
  for (const m of register?.models ?? [])
    models.set(m.id, {
      templateOk: m.templateOk,
      sizeBytes: Number(m.sizeBytes),
      contextLength: m.contextLength,
      quantization: m.quantization.toLowerCase(),
      fenced: trust.fencedModels.has(m.id),
      onDiskOnly: m.onDiskOnly,
    });
  const slots = new Map<string, SlotView>();
  for (const s of heartbeat?.slots ?? [])
    slots.set(s.modelId, {
      state: s.state,
      running: s.running,
      waiting: s.waiting,
      activeTokens: Number(s.activeTokens),
      maxTokensPotential: Number(s.maxTokensPotential),
      kvCapacityTokens: Number(s.kvCapacityTokens),
      prefixHashes: new Set(s.prefixBlockHashes.map(hex)),
    });
  const part = { register, heartbeat, trust, models, slots };
  staticParts.set(session, part);
  return part;
}

/**
 * The scheduler's view of a live session. Precedence: the engine's heartbeat slots are
 * authoritative for state, running, waiting and tokens; requests dispatched or reserved since that
 * heartbeat are added on top; decode speed is the observed EWMA, falling back to the registered
 * benchmark; prefill speed is the benchmark scaled by observed ÷ benchmark decode speed (clamped
 * to 0.25–2×), or a fixed fallback for a provider without a benchmark. A new view object per
 * call (views are snapshots to the scheduler); the model and slot maps, with the heartbeat's prefix
 * hashes in hex, are reused while the Register, Heartbeat and trust objects stay the same.
 */
export function sessionView(session: ProviderHandle, deps: ViewDeps): ProviderView {
  const register = session.register;
  const hb = session.heartbeat;
  const { models, slots: reported } = staticPart(session);
  const slots = withoutEnded(session, reported);
  const bench = (model: string) => register?.benchmarks.find((b) => b.modelId === model);
  const decodeTps = (model: string): number =>
    deps.stats.decodeTps(session.id, model) ??
    (bench(model)?.decodeTokensPerSecond || FALLBACK_DECODE_TPS);
  const pending = (model: string) => {
    const a = session.unseenFor(model);
    const b = deps.reservations.pendingFor(session.id, model);
    return { requests: a.requests + b.requests, tokens: a.tokens + b.tokens };
  };
  return {
    id: session.id,
    trustLevel: session.trustLevel,
    routable: session.trust.routable && !session.moving,
    models,
    slots,
    unseenRequests: (model) => pending(model).requests,
    unseenTokens: (model) => pending(model).tokens,
    inFlight: session.inFlightCount + deps.reservations.countFor(session.id),
    memoryPressure: hb?.memoryPressure ?? 0,
    cpuUsage: hb?.cpuUsage ?? 0,
    thermal: hb?.thermal ?? ThermalState.UNSPECIFIED,
    decodeTps,
    prefillTps(model) {
      const b = bench(model);
      if (!b?.prefillTokensPerSecond || !b.decodeTokensPerSecond) return FALLBACK_PREFILL_TPS;
      const ratio = Math.min(2, Math.max(0.25, decodeTps(model) / b.decodeTokensPerSecond));
      return b.prefillTokensPerSecond * ratio;
    },
    reputation: deps.stats.reputation(session.id),
  };
}

/**
 * The heartbeat's slots less the requests it counted that have ended since: the oldest end first,
 * so each comes off `running` before `waiting`. Token figures stay as reported (over-counting
 * committed KV for one heartbeat is the safe side).
 */
function withoutEnded(
  session: ProviderHandle,
  reported: ReadonlyMap<string, SlotView>,
): ReadonlyMap<string, SlotView> {
  let adjusted: Map<string, SlotView> | undefined;
  for (const [model, slot] of reported) {
    const ended = session.endedSinceHeartbeat(model);
    if (ended === 0 || slot.running + slot.waiting === 0) continue;
    const running = Math.max(0, slot.running - ended);
    const waiting = Math.max(0, slot.waiting - (ended - (slot.running - running)));
    adjusted ??= new Map(reported);
    adjusted.set(model, { ...slot, running, waiting });
  }
  return adjusted ?? reported;
}
