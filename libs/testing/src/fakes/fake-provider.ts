import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  answerKeyProof,
  boxBeforenm,
  generateKeyPair,
  openWithSharedKey,
  sealWithSharedKey,
  type KeyPair,
} from "@darkbloom/crypto";
import { decodeFrame, encodeFrame, toBytes } from "@darkbloom/frames";
import {
  ChunkPayloadSchema,
  FinishReason,
  LoadState,
  InferenceBodySchema,
  ProviderFrameSchema,
  SlotState,
  type InferenceBody,
  type InferenceRequest,
  type ProviderFrame,
  type Register,
} from "@darkbloom/proto";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import WebSocket from "ws";

/** What the fake answers to one request: text pieces sent as chunks, then complete (or not). */
export interface FakeReply {
  pieces: string[];
  /** false: send the chunks and then stay silent (to test stalls and provider loss). */
  complete?: boolean;
  /** Overrides the chunk sequence numbers (to test out-of-order handling). */
  sequences?: number[];
  /** After the pieces, an InferenceError with this status and text instead of Complete. */
  error?: { statusCode: number; message: string };
  /** The cleartext token count of each chunk frame (default 1 each). */
  chunkTokens?: number[];
  /** The prompt size the first chunk's sealed payload reports (default 0: none). */
  firstChunkPromptTokens?: number;
  /** The usage `Complete` reports (default: 3 prompt tokens, one completion token per piece). */
  usage?: { promptTokens: number; completionTokens: number };
  /** Waits this long before each piece (a stream that takes time); default 0: all at once. */
  pieceDelayMs?: number;
  /**
   * With pieceDelayMs: the first piece goes right after InferenceAccepted and only the later ones
   * wait (a first token alone, not delayed by a timer, whose ticks are whole milliseconds).
   */
  firstPieceAtOnce?: boolean;
}

export interface FakeProviderOptions {
  url: string;
  models: string[];
  reply?: (body: InferenceBody, request: InferenceRequest) => FakeReply;
  /** Answer to LoadModel (LOADING, then LOADED or FAILED); absent: LoadModel is ignored. */
  loadModel?: (modelId: string) => "loaded" | "failed";
  memoryGb?: number;
  modelSizeBytes?: bigint;
  /**
   * The X25519 key pair it announces (default: a fresh pair). A secret key that does not belong to
   * the public key cannot open the coordinator's key proof (it answers with zeros): an impostor
   * that copied someone's public key.
   */
  encryptionKeys?: KeyPair;
  /** Register fields set over the defaults (e.g. an identity key and its signed status). */
  registerFields?: (keys: KeyPair) => Partial<Omit<Register, "$typeName" | "$unknown">>;
  /** KeyProof.identity_signature over the opened secret (a provider with an identity key). */
  signKeyProof?: (secret: Uint8Array, keys: KeyPair) => Uint8Array;
  /** Sees every frame received (e.g. to answer attestation challenges with `send`). */
  onFrame?: (frame: ProviderFrame, provider: FakeProvider) => void;
  /**
   * On GoAway, do what the real daemon does: after the delay (+ jitter) connect again to the same
   * URL and register, finish running requests on the old socket, then close it. Default: ignore.
   */
  followGoAway?: boolean;
  /**
   * Heartbeat as the real daemon does, at the interval RegisterAck names: each model's slot
   * RUNNING with the requests it is answering, or IDLE. Without them (the default) the coordinator
   * drops the fake as silent after its liveness timeout (30 s): enough for a test, not for a
   * benchmark that leaves the fleet idle between runs.
   */
  heartbeats?: boolean;
}

/**
 * A provider that speaks the real protocol (binary protobuf frames over a real WebSocket, NaCl box
 * encryption) without an engine: it answers with scripted text. For routing and chaos tests.
 */
export class FakeProvider {
  readonly keys: KeyPair;
  readonly received: ProviderFrame[] = [];
  readonly requests: InferenceBody[] = [];
  providerId = "";
  /** Times it registered on a new socket after a GoAway. */
  moves = 0;
  private socket: WebSocket | undefined;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Requests still being answered, per socket (a GoAway'd socket closes when none is left). */
  private readonly running = new Map<WebSocket, number>();
  private readonly retiring = new Set<WebSocket>();
  /** The TCP socket under each WebSocket: an instant answer's frames leave in one write. */
  private readonly tcp = new WeakMap<WebSocket, Socket>();
  /** Sealed-payload plaintext per piece (the same scripted pieces answer request after request). */
  private readonly payloads = new Map<string, Uint8Array>();
  /** Requests being answered per model (the heartbeat's running figure). */
  private readonly answering = new Map<string, number>();
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: FakeProviderOptions) {
    this.keys = options.encryptionKeys ?? generateKeyPair();
  }

  /**
   * Connects and registers; resolves with the provider id from RegisterAck, rejects with
   * `refused: <code>` when the coordinator answers the registration with a ProtocolError.
   */
  async connect(): Promise<string> {
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    socket.once("upgrade", (response: IncomingMessage) => this.tcp.set(socket, response.socket));
    const from = this.received.length;
    socket.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) return;
      const decoded = decodeFrame(toBytes(data));
      if (!decoded.ok) return;
      this.received.push(decoded.frame);
      this.options.onFrame?.(decoded.frame, this);
      if (decoded.frame.kind.case === "keyProofChallenge") {
        const secret =
          answerKeyProof(decoded.frame.kind.value, this.keys.secretKey) ?? new Uint8Array(32);
        const identitySignature = this.options.signKeyProof?.(secret, this.keys);
        this.sendOn(socket, { case: "keyProof", value: { secret, identitySignature } });
      }
      if (decoded.frame.kind.case === "inferenceRequest")
        this.answer(decoded.frame.kind.value, socket);
      if (decoded.frame.kind.case === "loadModel") this.load(decoded.frame.kind.value.modelId);
      if (decoded.frame.kind.case === "goAway" && this.options.followGoAway) {
        const { reconnectDelayMs, jitterMs } = decoded.frame.kind.value;
        this.move(socket, reconnectDelayMs + Math.random() * jitterMs);
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    socket.on("error", () => undefined);
    this.send({
      case: "register",
      value: {
        version: "0.0.0-fake",
        hardware: { chip: "fake", memoryGb: this.options.memoryGb ?? 16 },
        models: this.options.models.map((id) => ({
          id,
          sizeBytes: this.options.modelSizeBytes ?? 0n,
          templateOk: true,
          contextLength: 4096,
          quantization: "f32",
        })),
        encryptionPublicKey: this.keys.publicKey,
        ...this.options.registerFields?.(this.keys),
      },
    });
    // Generous: on a loaded 2-core CI machine registration can take seconds.
    const until = Date.now() + 30_000;
    for (;;) {
      const answer = this.received
        .slice(from)
        .find((f) => f.kind.case === "registerAck" || f.kind.case === "protocolError");
      if (answer?.kind.case === "protocolError")
        throw new Error(`refused: ${answer.kind.value.code}`);
      if (answer?.kind.case === "registerAck") {
        this.providerId = answer.kind.value.providerId;
        if (this.options.heartbeats) this.startHeartbeats(answer.kind.value.heartbeatIntervalMs);
        return this.providerId;
      }
      if (Date.now() > until)
        throw new Error("fake provider: no registerAck frame within 30000 ms");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  send(kind: MessageInitShape<typeof ProviderFrameSchema>["kind"]): void {
    this.sendRaw(encodeFrame(create(ProviderFrameSchema, { kind })));
  }

  private sendOn(
    socket: WebSocket,
    kind: MessageInitShape<typeof ProviderFrameSchema>["kind"],
  ): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(encodeFrame(create(ProviderFrameSchema, { kind })), { binary: true });
  }

  private startHeartbeats(intervalMs: number): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), Math.max(10, intervalMs));
  }

  private heartbeat(): void {
    this.send({
      case: "heartbeat",
      value: {
        slots: this.options.models.map((modelId) => {
          const running = this.answering.get(modelId) ?? 0;
          return { modelId, state: running > 0 ? SlotState.RUNNING : SlotState.IDLE, running };
        }),
      },
    });
  }

  private payload(text: string): Uint8Array {
    let bytes = this.payloads.get(text);
    if (bytes === undefined) {
      bytes = payloadBytes(text, 0);
      if (this.payloads.size < 1024) this.payloads.set(text, bytes);
    }
    return bytes;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /** GoAway: register on a new socket after `delayMs`; the old one closes once it is idle. */
  private move(old: WebSocket, delayMs: number): void {
    this.retiring.add(old);
    this.closeIfIdle(old);
    void (async () => {
      await this.sleep(delayMs);
      while (!this.closed) {
        try {
          await this.connect();
          this.moves++;
          return;
        } catch {
          await this.sleep(100);
        }
      }
    })();
  }

  private closeIfIdle(socket: WebSocket): void {
    if (!this.retiring.has(socket) || (this.running.get(socket) ?? 0) > 0) return;
    this.retiring.delete(socket);
    socket.close(1000, "moved to another coordinator");
  }

  /** Sends when the socket is open; frames offered before it opens or after it closed are dropped. */
  sendRaw(bytes: Uint8Array | string): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.socket.send(bytes, { binary: typeof bytes !== "string" });
  }

  /** Resolves with the first received frame of that kind (already received or arriving later). */
  async waitFor(
    kind: NonNullable<ProviderFrame["kind"]["case"]>,
    timeoutMs = 5000,
  ): Promise<ProviderFrame> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((f) => f.kind.case === kind);
      if (found) return found;
      if (Date.now() > until)
        throw new Error(`fake provider: no ${kind} frame within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Stops reading the socket (it stays open and this side can still send, e.g. heartbeats): the
   * kernel buffers fill and the coordinator's writes stall, as with a wedged provider process.
   */
  pauseReading(): void {
    this.socket?.pause();
  }

  resumeReading(): void {
    this.socket?.resume();
  }

  /** Drops the connection abruptly, as a crashed provider would. */
  kill(): void {
    this.socket?.terminate();
  }

  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.retiring) s.terminate();
    this.retiring.clear();
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once("close", () => resolve());
      socket.terminate();
    });
  }

  private load(modelId: string): void {
    const outcome = this.options.loadModel?.(modelId);
    if (!outcome) return;
    this.send({ case: "loadModelStatus", value: { modelId, state: LoadState.LOADING } });
    this.send({
      case: "loadModelStatus",
      value: {
        modelId,
        state: outcome === "loaded" ? LoadState.LOADED : LoadState.FAILED,
        message: outcome === "loaded" ? "" : "fake load failure",
      },
    });
  }

  private answer(request: InferenceRequest, socket: WebSocket): void {
    const key = boxBeforenm(request.senderPublicKey, this.keys.secretKey);
    const body = fromBinary(InferenceBodySchema, openWithSharedKey(key, request.encryptedBody));
    this.requests.push(body);
    const reply = this.options.reply?.(body, request) ?? { pieces: ["fake ", "reply"] };
    const send = (kind: MessageInitShape<typeof ProviderFrameSchema>["kind"]): void =>
      this.sendOn(socket, kind);
    const chunk = (text: string, i: number): void => {
      const promptTokens = i === 0 ? (reply.firstChunkPromptTokens ?? 0) : 0;
      const payload = promptTokens === 0 ? this.payload(text) : payloadBytes(text, promptTokens);
      send({
        case: "chunk",
        value: {
          requestId: request.requestId,
          sequence: reply.sequences?.[i] ?? i,
          encryptedPayload: sealWithSharedKey(key, payload),
          tokenCount: reply.chunkTokens?.[i] ?? 1,
        },
      });
    };
    const end = (): void => {
      if (reply.complete === false) return;
      if (reply.error) {
        send({ case: "inferenceError", value: { requestId: request.requestId, ...reply.error } });
        return;
      }
      send({
        case: "complete",
        value: {
          requestId: request.requestId,
          usage: reply.usage ?? { promptTokens: 3, completionTokens: reply.pieces.length },
          finishReason: FinishReason.STOP,
        },
      });
    };
    send({ case: "inferenceAccepted", value: { requestId: request.requestId } });
    if (!reply.pieceDelayMs) {
      // as an engine's burst: the frames of one answer in one TCP write
      const tcp = this.tcp.get(socket);
      tcp?.cork();
      reply.pieces.forEach(chunk);
      end();
      tcp?.uncork();
      return;
    }
    const delay = reply.pieceDelayMs;
    const model = request.metadata?.model ?? "";
    this.running.set(socket, (this.running.get(socket) ?? 0) + 1);
    this.answering.set(model, (this.answering.get(model) ?? 0) + 1);
    void (async () => {
      for (const [i, text] of reply.pieces.entries()) {
        if (i > 0 || !reply.firstPieceAtOnce) await this.sleep(delay);
        if (this.closed) break;
        chunk(text, i);
      }
      if (!this.closed) end();
      this.answering.set(model, (this.answering.get(model) ?? 1) - 1);
      this.running.set(socket, (this.running.get(socket) ?? 1) - 1);
      this.closeIfIdle(socket);
    })();
  }
}

const payloadBytes = (text: string, promptTokens: number): Uint8Array =>
  toBinary(ChunkPayloadSchema, create(ChunkPayloadSchema, { text, tokenCount: 1, promptTokens }));
