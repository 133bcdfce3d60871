import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { answerKeyProof, generateKeyPair } from "@darkbloom/crypto";
import { decodeFrame, encodeFrame } from "@darkbloom/frames";
import { ProviderFrameSchema, type RegisterSchema } from "@darkbloom/proto";
import type { SessionTrust } from "@darkbloom/session-trust";
import { createLogger, createMetricsRegistry } from "@darkbloom/telemetry";
import { createGatewayMetrics } from "../gateway/gateway-metrics.js";
import { ProviderSession } from "../gateway/provider-session.js";
import type { ProviderRegistry } from "../registry/provider-registry.js";
import { FakeSocket } from "./fake-socket.js";

export type FrameKind = MessageInitShape<typeof ProviderFrameSchema>["kind"];

/** A provider frame as the bytes a socket delivers. */
export const frameBytes = (kind: FrameKind): Uint8Array =>
  encodeFrame(create(ProviderFrameSchema, { kind }));

/**
 * Delivers a Register on a fake socket and answers the session's key proof challenge with
 * `secretKey` (the session sends the challenge synchronously, so this registers at once).
 */
export function registerWithProof(
  socket: FakeSocket,
  register: Uint8Array,
  secretKey: Uint8Array,
): void {
  socket.receive(register);
  const sent = socket.lastSent && decodeFrame(socket.lastSent);
  if (!sent?.ok || sent.frame.kind.case !== "keyProofChallenge") return;
  const secret = answerKeyProof(sent.frame.kind.value, secretKey) ?? new Uint8Array();
  socket.receive(frameBytes({ case: "keyProof", value: { secret } }));
}

export interface MemorySession {
  id: string;
  session: ProviderSession;
  /** Delivers a frame from the provider. */
  receive(kind: FrameKind): void;
}

/**
 * ProviderSessions on in-memory sockets (no network), optionally wired to a registry; each is
 * registered at once with a fresh key. `closeAll` in an afterEach.
 */
export class MemorySessions {
  private readonly sockets: FakeSocket[] = [];
  private readonly log = createLogger({ level: "error" });
  private readonly metrics = createGatewayMetrics(createMetricsRegistry({ defaultMetrics: false }));

  /** `trust`: what attestation decides as the session registers (before the registry sees it). */
  connect(
    register: MessageInitShape<typeof RegisterSchema>,
    registry?: ProviderRegistry,
    trust?: SessionTrust,
  ): MemorySession {
    const socket = new FakeSocket();
    this.sockets.push(socket);
    const noop = (): void => undefined;
    const session = new ProviderSession(
      `c${this.sockets.length}`,
      socket.asWebSocket(),
      {
        registerTimeoutMs: 60_000,
        heartbeatIntervalMs: 60_000,
        livenessTimeoutMs: 60_000,
        writeTimeoutMs: 60_000,
        maxFrameBytes: 1 << 20,
        trust: trust && {
          admit: () => ({ ok: true }),
          attach: (attested) => attested.setTrust(trust),
          onResponse: noop,
          detach: noop,
        },
      },
      registry
        ? {
            onRegistered: (s) => registry.add(s),
            onClosed: (s) => registry.remove(s),
            onCapacityChanged: (s) => registry.capacityChanged(s),
            onLoadModelStatus: (s, st) => registry.loadModelStatus(s, st),
          }
        : { onRegistered: noop, onClosed: noop, onCapacityChanged: noop, onLoadModelStatus: noop },
      this.metrics,
      this.log,
    );
    const receive = (kind: FrameKind): void => socket.receive(frameBytes(kind));
    const keys = generateKeyPair();
    registerWithProof(
      socket,
      frameBytes({
        case: "register",
        value: { version: "t", encryptionPublicKey: keys.publicKey, ...register },
      }),
      keys.secretKey,
    );
    return { id: session.id, session, receive };
  }

  closeAll(): void {
    for (const s of this.sockets.splice(0)) s.terminate();
  }
}
