import { create } from "@bufbuild/protobuf";
import {
  ForwardInferRequestSchema,
  type ForwardInferResponse,
  type Heartbeat,
  type InferResponse,
  type InferenceRequest,
  type ProviderFrame,
  type Register,
  type TrustLevel,
} from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import { AsyncQueue } from "../async-queue.js";
import { errorEvent, type SessionState } from "../gateway/provider-session.js";
import type { SessionTrust } from "@darkbloom/session-trust";
import type { ProviderHandle } from "../registry/provider-handle.js";
import type { PeerAddress, PeerLink } from "./peer-link.js";

/** What presence says about a provider another replica holds (decoded from its row). */
export interface RemoteState {
  owner: PeerAddress;
  register: Register;
  heartbeat: Heartbeat | undefined;
  heartbeatAtMs: number;
  registeredAtMs: number;
  trust: SessionTrust;
  operatorAccountId: string;
  /** Requests in flight at the owner (from every replica), as of its last presence write. */
  inFlight: number;
}

interface Forwarded {
  queue: AsyncQueue<InferResponse>;
  abort: AbortController;
  model: string;
  tokens: number;
  dispatchedAtMs: number;
}

/**
 * A provider whose socket is on a peer replica. Its state comes from presence; `dispatch` forwards
 * the (still sealed) request to the owner over RoutingService.ForwardInfer and relays the owner's
 * events; `cancel` closes that stream, which cancels at the provider.
 */
export class RemoteProvider implements ProviderHandle {
  private stateValue: SessionState;
  private current: RemoteState;
  private readonly forwarded = new Map<string, Forwarded>();
  /** Forwarded requests that ended: the owner's next row may still count them. */
  private ended: { model: string; dispatchedAtMs: number; endedAtMs: number }[] = [];
  private changes = 0;
  private unreachableValue = false;

  constructor(
    readonly id: string,
    initial: RemoteState,
    private readonly link: PeerLink,
    private readonly originReplicaId: string,
    /** A forwarded request ended here: capacity may have changed (wakes the queue). */
    private readonly onCapacityChanged: (handle: RemoteProvider) => void,
    private readonly log: Logger,
  ) {
    this.current = initial;
    this.stateValue = {
      kind: "registered",
      register: initial.register,
      registeredAt: initial.registeredAtMs,
    };
  }

  /** A newer presence row: replaces the state (objects are reused by the caller when unchanged). */
  update(next: RemoteState): void {
    this.current = next;
    this.ended = this.ended.filter((e) => e.endedAtMs >= next.heartbeatAtMs);
    if (this.stateValue.kind === "registered" && this.stateValue.register !== next.register)
      this.stateValue = {
        kind: "registered",
        register: next.register,
        registeredAt: next.registeredAtMs,
      };
    this.changes++;
  }

  get ownerReplicaId(): string {
    return this.current.owner.replicaId;
  }
  /** A forwarded request failed at the owner replica (it was unreachable, or lost the provider). */
  get unreachable(): boolean {
    return this.unreachableValue;
  }
  /** A draining owner removes its presence rows before it sends GoAway: a listed remote stays. */
  get moving(): boolean {
    return false;
  }
  get owner(): PeerAddress {
    return this.current.owner;
  }
  get state(): SessionState {
    return this.stateValue;
  }
  get register(): Register | undefined {
    return this.stateValue.kind === "registered" ? this.current.register : undefined;
  }
  get heartbeat(): Heartbeat | undefined {
    return this.current.heartbeat;
  }
  get lastHeartbeatMs(): number {
    return this.current.heartbeatAtMs;
  }
  get operatorAccountId(): string {
    return this.current.operatorAccountId;
  }
  get changeCount(): number {
    return this.changes;
  }
  /** The owner's count plus what this replica sent since the owner last wrote its row. */
  get inFlightCount(): number {
    return this.current.inFlight + this.unseen().length;
  }
  get trustLevel(): TrustLevel {
    return this.current.trust.level;
  }
  get trust(): SessionTrust {
    return this.current.trust;
  }

  private unseen(): Forwarded[] {
    return [...this.forwarded.values()].filter(
      (f) => f.dispatchedAtMs >= this.current.heartbeatAtMs,
    );
  }

  unseenFor(model: string): { requests: number; tokens: number } {
    let requests = 0;
    let tokens = 0;
    for (const f of this.unseen()) {
      if (f.model !== model) continue;
      requests++;
      tokens += f.tokens;
    }
    return { requests, tokens };
  }

  /** This replica's forwarded requests the owner's row counted that have ended since. */
  endedSinceHeartbeat(model: string): number {
    const beat = this.current.heartbeatAtMs;
    let n = 0;
    for (const e of this.ended)
      if (e.model === model && e.dispatchedAtMs < beat && e.endedAtMs >= beat) n++;
    return n;
  }

  hasModel(model: string): boolean {
    const trust = this.current.trust;
    if (!trust.routable || trust.fencedModels.has(model)) return false;
    return this.register?.models.some((m) => m.id === model && m.templateOk) ?? false;
  }

  inFlightRequestIds(): string[] {
    return [...this.forwarded.keys()];
  }

  dispatch(request: InferenceRequest): AsyncQueue<InferResponse> {
    const queue = new AsyncQueue<InferResponse>();
    const requestId = request.requestId;
    if (this.stateValue.kind !== "registered") {
      queue.push(errorEvent(requestId, 503, "provider is not available"));
      queue.end();
      return queue;
    }
    const m = request.metadata;
    const abort = new AbortController();
    this.forwarded.set(requestId, {
      queue,
      abort,
      model: m?.model ?? "",
      tokens: (m?.estimatedPromptTokens ?? 0) + (m?.maxTokens ?? 0),
      dispatchedAtMs: Date.now(),
    });
    this.changes++;
    const req = create(ForwardInferRequestSchema, {
      providerId: this.id,
      request,
      originReplicaId: this.originReplicaId,
    });
    this.relay(
      requestId,
      queue,
      this.link.forward(this.current.owner, req, abort.signal),
      abort.signal,
    );
    return queue;
  }

  private noteEnded(entry: Forwarded): void {
    if (entry.dispatchedAtMs < this.current.heartbeatAtMs)
      this.ended.push({
        model: entry.model,
        dispatchedAtMs: entry.dispatchedAtMs,
        endedAtMs: Date.now(),
      });
  }

  /**
   * Hands the owner's events to the request's queue as they arrive (no promise per event). A stream
   * that ends without a final event was cancelled at the owner (as a local cancel).
   */
  private relay(
    requestId: string,
    queue: AsyncQueue<InferResponse>,
    stream: AsyncIterable<ForwardInferResponse> | AsyncQueue<ForwardInferResponse>,
    signal: AbortSignal,
  ): void {
    const source = stream instanceof AsyncQueue ? stream : queueOf(stream);
    let finished = false;
    const finish = (): void => {
      finished = true;
      // after the final event nothing more is read (the owner closes the stream on its own)
      source.end();
      const entry = this.forwarded.get(requestId);
      if (entry?.queue === queue) {
        this.forwarded.delete(requestId);
        this.noteEnded(entry);
        this.changes++;
        this.onCapacityChanged(this);
      }
      queue.end();
    };
    source.drainTo(
      (r) => {
        if (finished || !r.event) return;
        queue.push(r.event);
        const kind = r.event.kind.case;
        if (kind === "complete" || kind === "error") finish();
      },
      (err) => {
        if (finished) return;
        if (err && !signal.aborted) {
          this.unreachableValue = true;
          this.log.warn("forwarded request failed", {
            providerId: this.id,
            owner: this.ownerReplicaId,
            requestId,
            error: String(err),
          });
          queue.push(errorEvent(requestId, 502, "the provider's replica could not be reached"));
        }
        finish();
      },
    );
  }

  cancel(requestId: string, reason: string): void {
    const entry = this.forwarded.get(requestId);
    if (!entry) return;
    this.forwarded.delete(requestId);
    this.noteEnded(entry);
    this.changes++;
    entry.abort.abort(new Error(reason));
    entry.queue.end();
    this.onCapacityChanged(this);
  }

  send(frame: ProviderFrame): void {
    this.link.sendFrame(this.current.owner, this.id, frame).then(
      (sent) => {
        if (!sent) this.log.debug("peer no longer holds the provider", { providerId: this.id });
      },
      (err: unknown) =>
        this.log.warn("control frame to a peer failed", {
          providerId: this.id,
          error: String(err),
        }),
    );
  }

  probe(): Promise<boolean> {
    // A local claim of the id wins over a row of another replica (its owner drops it on close).
    return Promise.resolve(false);
  }

  /** Presence dropped it; forwarded streams end on their own (the owner or its socket ends them). */
  close(reason: string): void {
    if (this.stateValue.kind === "closed") return;
    this.stateValue = { kind: "closed", reason };
    this.changes++;
  }
}

/** A link's plain async iterable as a queue (test links; the coordinator's link returns a queue). */
function queueOf<T>(items: AsyncIterable<T>): AsyncQueue<T> {
  const queue = new AsyncQueue<T>();
  void (async () => {
    try {
      for await (const item of items) {
        if (queue.isEnded) break;
        queue.push(item);
      }
      queue.end();
    } catch (err) {
      queue.fail(err);
    }
  })();
  return queue;
}
