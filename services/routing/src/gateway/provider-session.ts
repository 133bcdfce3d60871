// Over 300 lines: one state machine per provider socket (register + key proof + claim, heartbeats,
// in-flight relay, trust).
import { create } from "@bufbuild/protobuf";
import {
  InferResponseSchema,
  ProviderFrameSchema,
  TrustLevel,
  type Heartbeat,
  type InferResponse,
  type InferenceRequest,
  type KeyProof,
  type LoadModelStatus,
  type ProviderFrame,
  type Register,
} from "@darkbloom/proto";
import { createKeyProof, keyFingerprint, keyProofMatches } from "@darkbloom/crypto";
import { TwoLaneWriter, decodeFrame, toBytes } from "@darkbloom/frames";
import type { Logger, UnexpectedErrors } from "@darkbloom/telemetry";
import type { WebSocket } from "ws";
import { AsyncQueue } from "../async-queue.js";
import type { ProviderHandle } from "../registry/provider-handle.js";
import type { GatewayMetrics } from "./gateway-metrics.js";
import { probeSocket } from "./probe-socket.js";
import {
  UNATTESTED,
  type Admission,
  type SessionTrust,
  type SessionTrustHooks,
} from "@darkbloom/session-trust";
import { coordinatorError } from "./provider-error.js";

/**
 * awaiting_register → proving_key (Register admitted, KeyProofChallenge sent) → claiming (the key
 * is proven; the gateway checks the id's identity binding and any live session of the id) →
 * registered (RegisterAck sent). Any refusal or the register timeout closes the session.
 */
export type SessionState =
  | { kind: "awaiting_register"; since: number }
  | {
      kind: "proving_key";
      since: number;
      register: Register;
      accountId: string;
      secret: Uint8Array;
    }
  | { kind: "claiming"; since: number; register: Register; accountId: string }
  | { kind: "registered"; register: Register; registeredAt: number }
  | { kind: "closed"; reason: string };

export interface SessionOptions {
  registerTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** No frame at all for this long closes the socket. */
  livenessTimeoutMs: number;
  writeTimeoutMs: number;
  maxFrameBytes: number;
  /** Attestation (services/attestation via the coordinator); absent: every provider UNATTESTED. */
  trust?: SessionTrustHooks;
  /** Counts a throw while handling a frame (the session is closed either way). */
  unexpected?: UnexpectedErrors;
}

export interface SessionHooks {
  onRegistered(session: ProviderSession): void;
  onClosed(session: ProviderSession): void;
  /** A heartbeat arrived or a request ended: capacity may have changed (wakes the queue). */
  onCapacityChanged(session: ProviderSession): void;
  onLoadModelStatus(session: ProviderSession, status: LoadModelStatus): void;
  /**
   * The provider proved its key: may it take `providerId`? (identity binding, a live session of
   * the same id). Absent: yes.
   */
  claim?(session: ProviderSession, providerId: string, register: Register, proof: KeyProof): Claim;
}

export type Claim = Admission | Promise<Admission>;

interface InFlight {
  queue: AsyncQueue<InferResponse>;
  chunks: number;
  model: string;
  /** Prompt estimate + max tokens: what the request may occupy in the KV cache. */
  tokens: number;
  /**
   * Whether the engine's slot figures include this request: set by the first heartbeat that
   * arrives after the provider's InferenceAccepted, which it sends once the engine has queued it.
   */
  reflected: boolean;
  accepted: boolean;
}

/** One connected provider: its socket, writer, registration, heartbeat and in-flight requests. */
export class ProviderSession implements ProviderHandle {
  readonly ownerReplicaId = "local";
  private stateValue: SessionState = { kind: "awaiting_register", since: Date.now() };
  private readonly writer: TwoLaneWriter;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly endedSinceBeat = new Map<string, number>();
  private lastHeartbeatValue: Heartbeat | undefined;
  private lastFrameAt = Date.now();
  private lastHeartbeatAt = 0;
  /** Bumped whenever anything a scheduler view reads changes (the router caches views on it). */
  private changes = 0;
  private readonly timer: NodeJS.Timeout;

  private idValue: string;
  private trustValue: SessionTrust = UNATTESTED;
  private operatorAccountIdValue = "";
  private movingValue = false;

  constructor(
    connectionId: string,
    private readonly socket: WebSocket,
    private readonly options: SessionOptions,
    private readonly hooks: SessionHooks,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {
    this.idValue = connectionId;
    this.writer = new TwoLaneWriter(socket, {
      writeTimeoutMs: options.writeTimeoutMs,
      onStall: () => metrics.writeStalls.inc(),
    });
    socket.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      try {
        this.onMessage(data, isBinary);
      } catch (err) {
        // A bug, not the provider's fault alone: this session's state may be half-updated, so it
        // ends (the provider reconnects) and the process carries on.
        if (options.unexpected) options.unexpected.report("websocket_message", err);
        else log.error("frame handler failed", { providerId: this.id, error: String(err) });
        this.close("internal error handling a frame");
      }
    });
    socket.on("close", () => this.close("socket closed"));
    socket.on("error", (err) =>
      this.log.warn("provider socket error", { providerId: this.id, error: err.message }),
    );
    this.timer = setInterval(
      () => this.checkLiveness(),
      Math.min(1000, options.heartbeatIntervalMs),
    );
  }

  /** Before registration a connection id; after it, the provider id (its key fingerprint). */
  get id(): string {
    return this.idValue;
  }

  get state(): SessionState {
    return this.stateValue;
  }

  get register(): Register | undefined {
    return this.stateValue.kind === "registered" ? this.stateValue.register : undefined;
  }

  get heartbeat(): Heartbeat | undefined {
    return this.lastHeartbeatValue;
  }

  get lastHeartbeatMs(): number {
    return this.lastHeartbeatAt;
  }

  /** The operator account its device-code token links it to; "" for a tokenless provider. */
  get operatorAccountId(): string {
    return this.operatorAccountIdValue;
  }

  /** Changes since connect to what the scheduler's view of this session reads. */
  get changeCount(): number {
    return this.changes;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get trustLevel(): TrustLevel {
    return this.trustValue.level;
  }

  // --- attestation: the trust slot attestation fills in; fenced providers serve nothing ---
  get trust(): SessionTrust {
    return this.trustValue;
  }

  /**
   * Called by attestation; tells the provider (RuntimeStatus) when level, fence or reason change.
   * What it may serve changing wakes the requests queued for it (a model's registry check ended).
   */
  setTrust(trust: SessionTrust): void {
    const before = this.trustValue;
    this.trustValue = trust;
    this.changes++;
    if (
      this.stateValue.kind === "registered" &&
      (before.routable !== trust.routable ||
        before.level !== trust.level ||
        !sameMembers(before.fencedModels, trust.fencedModels) ||
        !sameMembers(before.pendingModels ?? NONE, trust.pendingModels ?? NONE))
    )
      this.hooks.onCapacityChanged(this);
    if (
      before.level === trust.level &&
      before.routable === trust.routable &&
      before.reason === trust.reason
    )
      return;
    const status = { trustLevel: trust.level, routable: trust.routable, reason: trust.reason };
    this.send(create(ProviderFrameSchema, { kind: { case: "runtimeStatus", value: status } }));
  }
  // --- end attestation ---

  /** Whether the provider's socket answers a ping within `timeoutMs` (see probeSocket). */
  probe(timeoutMs: number): Promise<boolean> {
    if (this.stateValue.kind === "closed") return Promise.resolve(false);
    return probeSocket(this.socket, timeoutMs);
  }

  inFlightRequestIds(): string[] {
    return [...this.inFlight.keys()];
  }

  /**
   * Requests of a model the last heartbeat's slot figures do not include yet: the scheduler counts
   * them on top of the engine's report. A heartbeat counts a request only when it arrived after the
   * provider accepted it; one merely received after the dispatch may have been taken before.
   */
  unseenFor(model: string): { requests: number; tokens: number } {
    let requests = 0;
    let tokens = 0;
    for (const f of this.inFlight.values()) {
      if (f.model !== model || f.reflected) continue;
      requests++;
      tokens += f.tokens;
    }
    return { requests, tokens };
  }
  /**
   * Requests of a model the last heartbeat counted (running or waiting) that have ended since: a
   * quick answer often ends before the next heartbeat, which would otherwise leave it queued.
   */
  endedSinceHeartbeat(model: string): number {
    return this.endedSinceBeat.get(model) ?? 0;
  }

  /** Told to move (GoAway): it finishes what it holds here but takes no new request. */
  get moving(): boolean {
    return this.movingValue;
  }

  /**
   * Drain: the scheduler stops choosing this provider at once (its view turns unroutable), then a
   * GoAway tells it to reconnect (through the same URL) after `delayMs` plus up to `jitterMs`.
   */
  goAway(delayMs: number, jitterMs: number, reason: string): void {
    if (this.movingValue || this.stateValue.kind !== "registered") return;
    this.movingValue = true;
    this.changes++;
    this.hooks.onCapacityChanged(this);
    const value = { reconnectDelayMs: delayMs, jitterMs, reason };
    this.send(create(ProviderFrameSchema, { kind: { case: "goAway", value } }));
  }

  hasModel(model: string): boolean {
    if (this.movingValue) return false;
    if (!this.trustValue.routable || this.trustValue.fencedModels.has(model)) return false;
    return this.register?.models.some((m) => m.id === model && m.templateOk) ?? false;
  }

  /** Sends a request to the provider; the returned queue carries its chunks and final event. */
  dispatch(request: InferenceRequest): AsyncQueue<InferResponse> {
    const queue = new AsyncQueue<InferResponse>();
    if (this.stateValue.kind !== "registered") {
      queue.push(errorEvent(request.requestId, 503, "provider is not available"));
      queue.end();
      return queue;
    }
    const m = request.metadata;
    this.changes++;
    this.inFlight.set(request.requestId, {
      queue,
      chunks: 0,
      model: m?.model ?? "",
      tokens: (m?.estimatedPromptTokens ?? 0) + (m?.maxTokens ?? 0),
      accepted: false,
      reflected: false,
    });
    const frame = create(ProviderFrameSchema, {
      kind: { case: "inferenceRequest", value: request },
    });
    this.writer.write(frame).catch((err: unknown) => {
      this.finish(
        request.requestId,
        errorEvent(request.requestId, 502, "could not send the request to the provider"),
      );
      this.log.warn("dispatch write failed", { providerId: this.id, error: String(err) });
    });
    return queue;
  }

  /** Tells the provider to stop a request and forgets it; later frames for it are ignored. */
  cancel(requestId: string, reason: string): void {
    const entry = this.inFlight.get(requestId);
    if (!entry) return;
    this.inFlight.delete(requestId);
    this.noteEnded(entry);
    this.changes++;
    entry.queue.end();
    if (this.stateValue.kind === "registered") this.hooks.onCapacityChanged(this);
    this.send(
      create(ProviderFrameSchema, { kind: { case: "cancel", value: { requestId, reason } } }),
    );
  }

  send(frame: ProviderFrame): void {
    this.writer.write(frame).catch((err: unknown) => {
      this.log.debug("control write dropped", { providerId: this.id, error: String(err) });
    });
  }

  close(reason: string): void {
    if (this.stateValue.kind === "closed") return;
    const wasRegistered = this.stateValue.kind === "registered";
    this.stateValue = { kind: "closed", reason };
    this.changes++;
    clearInterval(this.timer);
    if (wasRegistered) this.options.trust?.detach(this);
    this.writer.close(reason);
    for (const [requestId] of this.inFlight) {
      this.finish(requestId, errorEvent(requestId, 502, `provider disconnected: ${reason}`));
    }
    if (
      this.socket.readyState === this.socket.OPEN ||
      this.socket.readyState === this.socket.CONNECTING
    ) {
      this.socket.terminate();
    }
    if (wasRegistered) this.hooks.onClosed(this);
    this.log.info("provider session closed", { providerId: this.id, reason });
  }

  private onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    this.lastFrameAt = Date.now();
    const decoded = isBinary
      ? decodeFrame(toBytes(data), this.options.maxFrameBytes)
      : ({ ok: false, reason: "malformed", message: "text messages are not frames" } as const);
    if (!decoded.ok) {
      this.metrics.badFrames.inc({ reason: decoded.reason });
      this.protocolError(
        decoded.reason === "too_large" ? "frame_too_large" : "malformed_frame",
        decoded.message,
      );
      return;
    }
    this.metrics.frames.count(decoded.kind);
    this.handle(decoded.frame);
  }

  private handle(frame: ProviderFrame): void {
    const kind = frame.kind;
    switch (kind.case) {
      case "register":
        return this.onRegister(kind.value);
      case "heartbeat":
        this.lastHeartbeatValue = kind.value;
        this.changes++;
        this.lastHeartbeatAt = Date.now();
        for (const f of this.inFlight.values()) if (f.accepted) f.reflected = true;
        this.endedSinceBeat.clear();
        if (this.stateValue.kind === "registered") this.hooks.onCapacityChanged(this);
        return;
      case "inferenceAccepted": {
        const entry = this.inFlight.get(kind.value.requestId);
        if (entry) entry.accepted = true;
        this.changes++;
        return;
      }
      case "chunk": {
        const entry = this.inFlight.get(kind.value.requestId);
        if (!entry) return this.metrics.orphanFrames.inc();
        if (kind.value.sequence !== entry.chunks) {
          return this.finish(
            kind.value.requestId,
            errorEvent(kind.value.requestId, 502, "provider sent chunks out of order"),
          );
        }
        entry.chunks++;
        // the message create() builds, without its reflection (once per relayed chunk)
        entry.queue.push({
          $typeName: "darkbloom.v1.InferResponse",
          kind: { case: "chunk", value: kind.value },
        });
        return;
      }
      case "complete":
        if (!this.inFlight.has(kind.value.requestId)) return this.metrics.orphanFrames.inc();
        return this.finish(
          kind.value.requestId,
          create(InferResponseSchema, { kind: { case: "complete", value: kind.value } }),
        );
      case "inferenceError": {
        if (!this.inFlight.has(kind.value.requestId)) return this.metrics.orphanFrames.inc();
        // The provider's status and text stay here (log, metric); the consumer gets ours.
        const { category, error } = coordinatorError(kind.value);
        this.metrics.providerErrors.inc({ category });
        this.log.warn("provider reported an inference error", {
          providerId: this.id,
          requestId: kind.value.requestId,
          category,
          providerStatus: kind.value.statusCode,
          providerMessage: kind.value.message.slice(0, 500),
        });
        return this.finish(
          kind.value.requestId,
          create(InferResponseSchema, { kind: { case: "error", value: error } }),
        );
      }
      case "attestationResponse":
        if (this.stateValue.kind === "registered") this.options.trust?.onResponse(this, kind.value);
        return;
      case "loadModelStatus":
        if (this.stateValue.kind === "registered") this.hooks.onLoadModelStatus(this, kind.value);
        return;
      case "keyProof":
        return this.onKeyProof(kind.value);
      case "protocolError":
        this.log.warn("provider reported a protocol error", {
          providerId: this.id,
          code: kind.value.code,
        });
        return;
      case "registerAck":
      case "inferenceRequest":
      case "cancel":
      case "attestationChallenge":
      case "loadModel":
      case "unloadModel":
      case "runtimeStatus":
      case "keyProofChallenge":
      case "goAway":
      case undefined:
        this.metrics.badFrames.inc({ reason: "wrong_direction" });
        return this.protocolError(
          "wrong_direction",
          `${String(kind.case)} is a coordinator-to-provider frame`,
        );
    }
  }

  private onRegister(register: Register): void {
    if (this.stateValue.kind !== "awaiting_register") {
      return this.protocolError(
        "already_registered",
        "register was already received on this connection",
      );
    }
    if (register.encryptionPublicKey.byteLength !== 32) {
      this.protocolError("bad_register", "encryption_public_key must be 32 bytes");
      return this.close("invalid register");
    }
    const admission = this.options.trust?.admit(register) ?? { ok: true };
    if (!admission.ok) return this.refuse(admission.code, admission.message);
    // proof of possession of the X25519 secret key: its public key is public, so announcing it
    // proves nothing (docs/security/attestation.md#key-proof)
    const { challenge, secret } = createKeyProof(register.encryptionPublicKey);
    const since = this.stateValue.since;
    this.stateValue = {
      kind: "proving_key",
      since,
      register,
      accountId: admission.accountId ?? "",
      secret,
    };
    this.send(
      create(ProviderFrameSchema, { kind: { case: "keyProofChallenge", value: challenge } }),
    );
  }

  private onKeyProof(answer: KeyProof): void {
    const state = this.stateValue;
    if (state.kind !== "proving_key")
      return this.protocolError("unexpected_key_proof", "no key proof was asked for");
    if (!keyProofMatches(state.secret, answer.secret)) {
      this.metrics.badFrames.inc({ reason: "key_proof_failed" });
      return this.refuse(
        "key_proof_failed",
        "the key proof does not match: the provider does not hold the secret key of its encryption_public_key",
      );
    }
    const { since, register, accountId } = state;
    this.stateValue = { kind: "claiming", since, register, accountId };
    const providerId = keyFingerprint(register.encryptionPublicKey);
    const claim = this.hooks.claim?.(this, providerId, register, answer) ?? { ok: true };
    const decide = (c: Admission): void =>
      c.ok ? this.registered(providerId, register, accountId) : this.refuse(c.code, c.message);
    if (!(claim instanceof Promise)) return decide(claim);
    claim.then(decide, (err: unknown) => {
      this.log.warn("provider claim failed", { providerId, error: String(err) });
      this.refuse("claim_failed", "the coordinator could not check this provider's identity");
    });
  }

  private registered(providerId: string, register: Register, accountId: string): void {
    if (this.stateValue.kind !== "claiming") return; // closed while the claim was checked
    this.idValue = providerId;
    this.operatorAccountIdValue = accountId;
    this.stateValue = { kind: "registered", register, registeredAt: Date.now() };
    this.changes++;
    this.lastHeartbeatAt = Date.now();
    this.send(
      create(ProviderFrameSchema, {
        kind: {
          case: "registerAck",
          value: { providerId: this.id, heartbeatIntervalMs: this.options.heartbeatIntervalMs },
        },
      }),
    );
    this.options.trust?.attach(this);
    this.hooks.onRegistered(this);
    this.log.info("provider registered", {
      providerId: this.id,
      version: register.version,
      models: register.models.map((m) => m.id).join(","),
    });
  }

  private noteEnded(entry: InFlight): void {
    if (entry.reflected)
      this.endedSinceBeat.set(entry.model, (this.endedSinceBeat.get(entry.model) ?? 0) + 1);
  }

  private finish(requestId: string, event: InferResponse): void {
    const entry = this.inFlight.get(requestId);
    if (!entry) return;
    this.inFlight.delete(requestId);
    this.noteEnded(entry);
    this.changes++;
    entry.queue.push(event);
    entry.queue.end();
    if (this.stateValue.kind === "registered") this.hooks.onCapacityChanged(this);
  }

  /** Refuses the registration: the ProtocolError goes on the wire, then the socket closes. */
  private refuse(code: string, message: string): void {
    if (this.stateValue.kind === "closed") return;
    const refusal = create(ProviderFrameSchema, {
      kind: { case: "protocolError", value: { code, message } },
    });
    // close once the refusal is on the wire, so the provider can read why
    void this.writer
      .write(refusal)
      .catch(() => undefined)
      .finally(() => this.close(`refused at registration: ${code}`));
  }

  private protocolError(code: string, message: string): void {
    this.send(
      create(ProviderFrameSchema, { kind: { case: "protocolError", value: { code, message } } }),
    );
  }

  private checkLiveness(): void {
    const now = Date.now();
    const state = this.stateValue;
    if (
      (state.kind === "awaiting_register" ||
        state.kind === "proving_key" ||
        state.kind === "claiming") &&
      now - state.since > this.options.registerTimeoutMs
    ) {
      this.close("no register in time");
    } else if (now - this.lastFrameAt > this.options.livenessTimeoutMs) {
      this.close("provider went silent");
    }
  }
}

export function errorEvent(requestId: string, statusCode: number, message: string): InferResponse {
  return create(InferResponseSchema, {
    kind: { case: "error", value: { requestId, statusCode, message } },
  });
}

const NONE: ReadonlySet<string> = new Set();

function sameMembers(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
