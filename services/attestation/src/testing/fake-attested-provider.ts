import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  answerKeyProof,
  canonicalJson,
  challengePayload,
  keyProofPayload,
  generateKeyPair,
  registerPayload,
  toBase64,
  type KeyPair,
} from "@darkbloom/crypto";
import { decodeFrame, encodeFrame, toBytes } from "@darkbloom/frames";
import {
  ProviderFrameSchema,
  type AttestationChallenge,
  type KeyProofChallenge,
  type ProviderFrame,
} from "@darkbloom/proto";
import { p256 } from "@noble/curves/nist.js";
import WebSocket from "ws";
import type { ProviderStatus } from "../identity/provider-status.js";

/** How the fake answers challenges: honestly, not at all, or with one kind of attack. */
export type AnswerMode = "honest" | "silent" | "replay" | "forge" | "swap-key" | "stale-identity";

export interface FakeAttestedOptions {
  url: string;
  models: Array<{ id: string; weightHash: string }>;
  version?: string;
  binaryHash?: string;
  keySource?: "software" | "secure-enclave";
  /** PEM MDA chain sent in Register.attestation. */
  mdaChainPem?: string;
  /** Signs a different X25519 key than the one it registers (a swapped key). */
  swapKeyAtRegister?: boolean;
  /** Signs the registration with another identity key than the one it presents. */
  forgeRegister?: boolean;
  /** The MDM-enrolled UDID the status names. */
  deviceId?: string;
  /** Supplies the identity secret (e.g. the key an MDA leaf certifies). */
  identitySecret?: Uint8Array;
  /**
   * The X25519 key pair it announces (default: a fresh pair). A secret key that does not belong to
   * the public key cannot open the key proof (it answers with random bytes): an impostor that
   * copied a victim's public key.
   */
  encryptionKeys?: KeyPair;
  /** Register.identity_rotation_signature (moving a bound provider id to this identity). */
  identityRotationSignature?: Uint8Array;
}

/**
 * A provider with a P-256 identity that speaks the real protocol over a real WebSocket and signs
 * the real payloads; `mode` makes it misbehave for the fencing and refusal tests.
 */
export class FakeAttestedProvider {
  readonly keys: KeyPair;
  readonly identitySecret: Uint8Array;
  readonly identityPublicKey: Uint8Array;
  readonly received: ProviderFrame[] = [];
  mode: AnswerMode = "honest";
  private lastAnswer: MessageInitShape<typeof ProviderFrameSchema>["kind"] | undefined;
  private socket: WebSocket | undefined;

  constructor(private readonly options: FakeAttestedOptions) {
    this.identitySecret = options.identitySecret ?? p256.utils.randomSecretKey();
    this.identityPublicKey = p256.getPublicKey(this.identitySecret, true);
    this.keys = options.encryptionKeys ?? generateKeyPair();
  }

  status(encryptionKey: Uint8Array = this.keys.publicKey): Uint8Array {
    const status: ProviderStatus = {
      v: 1,
      version: this.options.version ?? "1.0.0",
      binaryHash: this.options.binaryHash ?? "ab".repeat(32),
      encryptionPublicKey: toBase64(encryptionKey),
      keySource: this.options.keySource ?? "software",
      models: this.options.models,
      security: { platform: "linux", inspectorAttached: false, sip: "unknown" },
      deviceId: this.options.deviceId ?? "",
    };
    return new TextEncoder().encode(canonicalJson(status));
  }

  /** Connects and sends Register; resolves when the socket is open (not when acknowledged). */
  async connect(): Promise<void> {
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    socket.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) return;
      const decoded = decodeFrame(toBytes(data));
      if (!decoded.ok) return;
      this.received.push(decoded.frame);
      if (decoded.frame.kind.case === "attestationChallenge")
        this.onChallenge(decoded.frame.kind.value);
      if (decoded.frame.kind.case === "keyProofChallenge")
        this.onKeyProof(decoded.frame.kind.value);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const signedKey = this.options.swapKeyAtRegister ? generateKeyPair().publicKey : undefined;
    const statusJson = this.status(signedKey);
    const signer = this.options.forgeRegister ? p256.utils.randomSecretKey() : this.identitySecret;
    this.send({
      case: "register",
      value: {
        version: this.options.version ?? "1.0.0",
        hardware: { chip: "fake", memoryGb: 16 },
        models: this.options.models.map(({ id }) => ({
          id,
          templateOk: true,
          contextLength: 4096,
        })),
        encryptionPublicKey: this.keys.publicKey,
        identityPublicKey: this.identityPublicKey,
        statusJson,
        identitySignature: p256.sign(registerPayload(statusJson), signer, { format: "der" }),
        attestation: new TextEncoder().encode(this.options.mdaChainPem ?? ""),
        binaryHash: this.options.binaryHash ?? "ab".repeat(32),
        identityRotationSignature: this.options.identityRotationSignature,
      },
    });
  }

  /** The ProtocolError codes received (a refusal at registration is one). */
  get errorCodes(): string[] {
    return this.received.flatMap((f) =>
      f.kind.case === "protocolError" ? [f.kind.value.code] : [],
    );
  }

  get registered(): boolean {
    return this.framesOf("registerAck").length > 0;
  }

  /** Resolves when the coordinator has closed the socket. */
  async closedByPeer(timeoutMs = 10_000): Promise<void> {
    await this.until(
      () => this.socket?.readyState === WebSocket.CLOSED,
      "socket closed",
      timeoutMs,
    );
  }

  /** Stops reading the socket (pings get no pong): a frozen provider, or one behind a dead link. */
  freeze(): void {
    this.socket?.pause();
  }

  /** Frames of one kind received so far. */
  framesOf<K extends NonNullable<ProviderFrame["kind"]["case"]>>(kind: K): ProviderFrame[] {
    return this.received.filter((f) => f.kind.case === kind);
  }

  /** Resolves when `predicate` holds (polling), or rejects after `timeoutMs`. */
  async until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > until)
        throw new Error(`fake attested provider: ${what} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once("close", () => resolve());
      socket.terminate();
    });
  }

  private onKeyProof(c: KeyProofChallenge): void {
    const secret = answerKeyProof(c, this.keys.secretKey) ?? p256.utils.randomSecretKey();
    const payload = keyProofPayload(secret, this.keys.publicKey);
    const signer =
      this.mode === "stale-identity" ? p256.utils.randomSecretKey() : this.identitySecret;
    this.send({
      case: "keyProof",
      value: { secret, identitySignature: p256.sign(payload, signer, { format: "der" }) },
    });
  }

  private onChallenge(c: AttestationChallenge): void {
    if (this.mode === "silent") return;
    if (this.mode === "replay" && this.lastAnswer) return this.send(this.lastAnswer);
    const statusJson = this.status(
      this.mode === "swap-key" ? generateKeyPair().publicKey : undefined,
    );
    const signer = this.mode === "forge" ? p256.utils.randomSecretKey() : this.identitySecret;
    const payload = challengePayload(c.nonce, c.timestampMs, statusJson);
    const answer = {
      case: "attestationResponse" as const,
      value: {
        nonce: c.nonce,
        timestampMs: c.timestampMs,
        statusJson,
        signature: p256.sign(payload, signer, { format: "der" }),
      },
    };
    if (this.mode === "honest") this.lastAnswer = answer;
    this.send(answer);
  }

  private send(kind: MessageInitShape<typeof ProviderFrameSchema>["kind"]): void {
    this.socket?.send(encodeFrame(create(ProviderFrameSchema, { kind })), { binary: true });
  }
}
