// Over 100 lines: one state machine (attempts, timers, winner) that reads best in one place.
import { create } from "@bufbuild/protobuf";
import { promptTokenBoundOfSealedBody } from "@darkbloom/crypto";
import {
  type Chunk,
  InferResponseSchema,
  InferenceRequestSchema,
  type InferResponse,
  UsageSchema,
  type RoutingMetadata,
} from "@darkbloom/proto";
import { AsyncQueue } from "../async-queue.js";
import { errorEvent } from "../gateway/provider-session.js";
import type { ProviderHandle } from "../registry/provider-handle.js";
import type { ProviderRegistry } from "../registry/provider-registry.js";
import { UsageMeter, type UsageDispute } from "../metering/usage-meter.js";
import type { ProviderStats } from "../stats/provider-stats.js";
import type { RequestSupplies, SealedCopy } from "./alternate-supplies.js";
import { hedgeDelayMs, type HedgeOptions } from "./hedge-delay.js";

/** One provider the request may run on, with the body sealed to that provider's key. */
export interface Attempt {
  providerId: string;
  /** Undefined: sealed on demand, asked of the caller when the attempt is run (RelayDeps.supplies). */
  copy: SealedCopy | undefined;
}

export interface RelayDeps {
  registry: ProviderRegistry;
  stats: ProviderStats;
  hedge: HedgeOptions;
  /** A hedge copy goes only to a provider with room for it now (no overcommitting for speed). */
  hasRoom: (providerId: string) => boolean;
  onHedge?: () => void;
  onRedispatch?: () => void;
  /**
   * How long a request whose every attempt failed waits for one of its providers to show up at a
   * new place (its replica drained or died: the provider re-registers on another one and presence
   * lists it there) before it fails. The body is sealed to the provider, not to the replica, so
   * the same attempt runs there unchanged. Only for providers that were unreachable where they
   * were (a peer's whose replica failed the forward, or one told to move) or missing from the
   * registry; default 10 000 ms.
   */
  relocateWaitMs?: number;
  /** The winner reported more usage than it delivered (its reputation drops; the bound is billed). */
  onUsageDispute?: (figure: UsageDispute) => void;
  /**
   * The winner's chunks that are queued together (one socket read) go out as one `chunks` event
   * (a caller in this process: one pass through each layer of async iteration per batch, not per
   * chunk). Off: one `chunk` event each (InferReserved, read by replicas of other versions).
   */
  batchChunks?: boolean;
  /**
   * Opened when the relay starts, ended when it ends: where an attempt without a body gets one.
   * The relay sends `alternate_wanted` and runs the attempt once its copy is supplied; one not
   * supplied in time (or without `supplies`) is skipped as if its provider were unavailable.
   */
  supplies?: () => RequestSupplies;
  /** An alternate's body was asked for and did not come in time: the attempt was skipped. */
  onSupplyMissed?: (providerId: string) => void;
}

type Tagged =
  | { i: number; kind: "event"; event: InferResponse }
  | { i: number; kind: "relocated"; session: ProviderHandle | undefined }
  | { i: number; kind: "hedge" }
  | { i: number; kind: "timeout" }
  | { i: number; kind: "want" }
  | { i: number; kind: "supplied"; copy: SealedCopy | undefined }
  | { i: number; kind: "end" };

interface Live {
  session: ProviderHandle;
  startedAt: number;
  timers: NodeJS.Timeout[];
}

/** Errors worth another provider: the provider failed or vanished, not the request itself. */
const retryable = (status: number): boolean => status === 0 || status >= 500;

const RELOCATE_POLL_MS = 50;

/**
 * Runs a request on the first attempt; when its first token is late against the provider's own
 * record, sends a copy to the next attempt (hedge); when an attempt fails before its first token
 * (disconnect, stall, 5xx), moves on to the next. The first attempt to produce output wins and
 * the others are cancelled; `started` names the winner (so only it is billed). The winner's usage is
 * metered here (UsageMeter): each relayed chunk carries the tokens it may bill, and the final
 * event's usage is replaced by the metered figures. An attempt without a body (sealed on demand)
 * is asked of the caller first and counts as under way until its copy comes or the wait ends.
 */
export async function* hedgedRelay(
  deps: RelayDeps,
  requestId: string,
  metadata: RoutingMetadata,
  attempts: readonly Attempt[],
  signal: AbortSignal,
): AsyncGenerator<InferResponse> {
  const { registry, stats, hedge } = deps;
  const model = metadata.model;
  const merged = new AsyncQueue<Tagged>();
  const live = new Map<number, Live>();
  // Grows when an attempt is run again at its provider's new place (same provider, same body).
  const list: Attempt[] = [...attempts];
  /**
   * Attempts whose provider was unreachable where it was (a peer's provider, or one of ours told
   * to move): the handle they failed on, or undefined when the registry had none at the time.
   */
  const moved = new Map<number, ProviderHandle | undefined>();
  const pollTimers = new Set<NodeJS.Timeout>();
  /** Attempts waiting for their body from the caller: true for a hedge copy. */
  const awaiting = new Map<number, boolean>();
  const supplies = deps.supplies?.();
  /** No attempt is running or about to. */
  const idle = (): boolean => live.size === 0 && awaiting.size === 0;
  let next = 0;
  let winner = -1;
  let hedged = false;
  let finished = false;
  let lastError: InferResponse | undefined;
  let firstChunkAt = 0;
  let decodedTokens = 0;
  let announced = -1;
  const winnerChunk = (t: Tagged): boolean =>
    t.kind === "event" && t.i === winner && t.event.kind.case === "chunk";
  // Every attempt carries the same body, sealed to a different key: the same prompt bound.
  const meter = new UsageMeter(
    metadata.maxTokens,
    promptTokenBoundOfSealedBody(attempts[0]?.copy?.encryptedBody.length ?? 0),
  );
  /** The winner's chunk, its token count replaced by what it may bill; the decode timing kept. */
  const metered = (chunk: Chunk): Chunk => {
    chunk.tokenCount = meter.chunk(chunk.tokenCount, chunk.encryptedPayload.length);
    if (firstChunkAt === 0) firstChunkAt = Date.now();
    else decodedTokens += chunk.tokenCount;
    return chunk;
  };
  const startedEvent = (i: number): InferResponse => {
    const l = live.get(i);
    announced = i;
    return create(InferResponseSchema, {
      kind: {
        case: "started",
        value: {
          providerId: l?.session.id ?? "",
          providerAccountId: l?.session.operatorAccountId ?? "",
          dispatchedAtMs: BigInt(l?.startedAt ?? 0),
          attempt: i,
          hedged,
        },
      },
    });
  };

  const stop = (i: number, reason: string): void => {
    const l = live.get(i);
    if (!l) return;
    live.delete(i);
    for (const t of l.timers) clearTimeout(t);
    l.session.cancel(requestId, reason);
  };
  const launch = (i: number, session: ProviderHandle, forHedge: boolean): void => {
    const copy = (list[i] as Attempt).copy as SealedCopy;
    if (forHedge) {
      hedged = true;
      deps.onHedge?.();
    }
    const events = session.dispatch(
      create(InferenceRequestSchema, {
        requestId,
        metadata,
        senderPublicKey: copy.senderPublicKey,
        encryptedBody: copy.encryptedBody,
      }),
    );
    const timers = [
      setTimeout(() => merged.push({ i, kind: "timeout" }), hedge.firstTokenTimeoutMs),
    ];
    if (hedge.enabled && next < Math.min(attempts.length, hedge.maxAttempts)) {
      const delay = hedgeDelayMs(stats.ttftMs(session.id, model), hedge);
      timers.push(setTimeout(() => merged.push({ i, kind: "hedge" }), delay));
    }
    live.set(i, { session, startedAt: Date.now(), timers });
    // synchronously as the session pushes (no promise and microtask hop per relayed chunk)
    events.drainTo(
      (event) => merged.push({ i, kind: "event", event }),
      () => merged.push({ i, kind: "end" }),
    );
  };
  /** Runs attempt i on the session, or first asks the caller for its body. */
  const runOrAsk = (i: number, session: ProviderHandle, forHedge: boolean): void => {
    if ((list[i] as Attempt).copy) return launch(i, session, forHedge);
    awaiting.set(i, forHedge);
    merged.push({ i, kind: "want" });
  };
  const start = (forHedge = false): boolean => {
    while (next < attempts.length && next < hedge.maxAttempts) {
      // A hedge waits for room on the next provider; a failover takes it regardless.
      if (forHedge && !deps.hasRoom((attempts[next] as Attempt).providerId)) return false;
      const i = next++;
      const session = registry.get((attempts[i] as Attempt).providerId);
      if (!session || session.state.kind !== "registered") {
        moved.set(i, session);
        continue;
      }
      if (!(attempts[i] as Attempt).copy && !supplies) continue;
      runOrAsk(i, session, forHedge);
      return true;
    }
    return false;
  };
  /** A handle of a moved attempt's provider at a new place, ready to take the request. */
  const newPlace = (): { i: number; session: ProviderHandle } | undefined => {
    for (const [i, old] of moved) {
      const h = registry.get((list[i] as Attempt).providerId);
      if (h && h !== old && h.state.kind === "registered" && !h.moving) return { i, session: h };
    }
    return undefined;
  };
  /** Waits (bounded) for a moved attempt's provider to be listed at its new place. */
  const relocation = (): Promise<{ i: number; session: ProviderHandle } | undefined> =>
    new Promise((resolve) => {
      const until = Date.now() + (deps.relocateWaitMs ?? 10_000);
      const poll = (): void => {
        const found = newPlace();
        if (found || signal.aborted || Date.now() >= until) return resolve(found);
        const t = setTimeout(() => {
          pollTimers.delete(t);
          poll();
        }, RELOCATE_POLL_MS);
        pollTimers.add(t);
      };
      poll();
    });
  /** Runs the moved attempt again at its provider's new place (a new attempt index). */
  const relaunch = (found: { i: number; session: ProviderHandle }): void => {
    moved.delete(found.i);
    list.push(list[found.i] as Attempt);
    runOrAsk(list.length - 1, found.session, false);
    deps.onRedispatch?.();
  };
  /** Nothing left to try: wait for a moved provider in the background (false: none moved). */
  const awaitRelocation = (): boolean => {
    if (moved.size === 0) return false;
    void relocation().then((found) =>
      merged.push({ i: found?.i ?? -1, kind: "relocated", session: found?.session }),
    );
    return true;
  };
  // The caller went away: cancel at the providers now. The relay may be suspended at a `yield`
  // its consumer will never resume (a stalled reader), so waiting for `finally` is not enough.
  const onAbort = (): void => {
    for (const i of [...live.keys()]) stop(i, "the caller went away");
    merged.end();
  };
  signal.addEventListener("abort", onAbort, { once: true });

  try {
    if (!start()) {
      const found = moved.size > 0 ? await relocation() : undefined;
      if (!found) {
        yield errorEvent(requestId, 503, "the reserved provider disconnected");
        return;
      }
      relaunch(found);
    }
    // Announced at once (the edge sends response headers on it); a different winner is announced
    // again before its first chunk, so keys and settlement follow the provider that answered.
    // An attempt waiting for its body is announced when it runs.
    if (live.size > 0) yield startedEvent(Math.max(...live.keys()));
    for await (const t of merged) {
      if (t.kind === "want") {
        const providerId = (list[t.i] as Attempt).providerId;
        if (winner >= 0 || !supplies) {
          awaiting.delete(t.i);
          continue;
        }
        void supplies
          .want(providerId)
          .then((copy) => merged.push({ i: t.i, kind: "supplied", copy }));
        yield create(InferResponseSchema, {
          kind: { case: "alternateWanted", value: { providerId } },
        });
        continue;
      }
      if (t.kind === "supplied") {
        const forHedge = awaiting.get(t.i);
        if (forHedge === undefined) continue;
        awaiting.delete(t.i);
        if (winner >= 0 || signal.aborted) continue;
        const a = list[t.i] as Attempt;
        const session = registry.get(a.providerId);
        if (t.copy && session?.state.kind === "registered") {
          list[t.i] = { ...a, copy: t.copy };
          launch(t.i, session, forHedge);
          if (announced < 0) yield startedEvent(t.i);
          continue;
        }
        // Skipped as if unavailable: not supplied in time, or its provider left meanwhile.
        if (t.copy) moved.set(t.i, session);
        else deps.onSupplyMissed?.(a.providerId);
        if (idle() && !start() && !awaitRelocation()) break;
        continue;
      }
      if (t.kind === "relocated") {
        if (winner >= 0 || !idle()) continue;
        if (!t.session) break;
        relaunch({ i: t.i, session: t.session });
        continue;
      }
      if (t.kind === "hedge") {
        // counted (onHedge, `hedged`) when the copy is dispatched
        if (winner < 0 && live.has(t.i)) start(true);
        continue;
      }
      if (t.kind === "timeout") {
        if (winner >= 0 || !live.has(t.i)) continue;
        stats.recordOutcome(live.get(t.i)?.session.id ?? "", "timeout");
        stop(t.i, "no first token in time");
        lastError = errorEvent(requestId, 504, "the provider produced no first token in time");
        if (idle() && !start()) break;
        deps.onRedispatch?.();
        continue;
      }
      if (t.kind === "end") {
        // The queue ended without a final event: cancelled from elsewhere (CancelInference).
        if (t.i === winner && !finished) break;
        if (winner < 0 && live.has(t.i)) {
          stop(t.i, "ended");
          if (idle() && !start()) break;
        }
        continue;
      }
      const ev = t.event;
      const kind = ev.kind.case;
      if (winner < 0) {
        const l = live.get(t.i);
        if (!l) continue;
        if (kind === "error") {
          live.delete(t.i);
          for (const timer of l.timers) clearTimeout(timer);
          stats.recordOutcome(l.session.id, "failed");
          lastError = ev;
          if (!retryable(ev.kind.value.statusCode)) break;
          // Unreachable where it was (its replica drains or died, or it was told to move): the
          // provider may be listed at a new place soon. A provider's own error is not waited on.
          if (l.session.unreachable === true || l.session.moving) moved.set(t.i, l.session);
          if (!idle()) continue;
          if (start()) {
            deps.onRedispatch?.();
            continue;
          }
          const found = newPlace();
          if (found) {
            relaunch(found);
            continue;
          }
          if (awaitRelocation()) continue;
          break;
        }
        if (kind !== "chunk" && kind !== "complete") continue;
        winner = t.i;
        for (const timer of l.timers) clearTimeout(timer);
        for (const other of [...live.keys()])
          if (other !== t.i) stop(other, "another provider answered first");
        stats.recordFirstToken(l.session.id, model, Date.now() - l.startedAt);
        if (t.i !== announced) yield startedEvent(t.i);
      } else if (t.i !== winner) continue;
      const l = live.get(winner);
      if (kind === "chunk") {
        const chunk = metered(ev.kind.value);
        let batch: Chunk[] | undefined;
        for (
          let more = deps.batchChunks ? merged.takeIf(winnerChunk) : undefined;
          more?.kind === "event" && more.event.kind.case === "chunk";
          more = merged.takeIf(winnerChunk)
        )
          (batch ??= [chunk]).push(metered(more.event.kind.value));
        if (batch) {
          // the message create() builds, without its reflection
          yield {
            $typeName: "darkbloom.v1.InferResponse",
            kind: {
              case: "chunks",
              value: { $typeName: "darkbloom.v1.ChunkBatch", chunks: batch },
            },
          };
          continue;
        }
      }
      if (kind === "complete" || kind === "error") {
        finished = true;
        live.delete(winner);
        const { usage, disputes } = meter.bound(ev.kind.value.usage);
        ev.kind.value.usage = create(UsageSchema, usage);
        for (const d of disputes) deps.onUsageDispute?.(d);
        if (l) {
          const outcome = kind === "error" ? "failed" : disputes.length ? "disputed" : "ok";
          stats.recordOutcome(l.session.id, outcome);
          if (kind === "complete") {
            stats.recordDecode(l.session.id, model, decodedTokens, Date.now() - firstChunkAt);
            stats.recordServiceMs(model, Date.now() - l.startedAt);
          }
        }
      }
      yield ev;
      if (finished) return;
    }
    if (winner < 0 && !signal.aborted)
      yield lastError ?? errorEvent(requestId, 502, "no provider could run the request");
  } finally {
    supplies?.end();
    signal.removeEventListener("abort", onAbort);
    for (const t of pollTimers) clearTimeout(t);
    pollTimers.clear();
    for (const i of [...live.keys()]) stop(i, finished ? "finished" : "relay ended early");
    merged.end();
  }
}
