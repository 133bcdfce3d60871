import { create } from "@bufbuild/protobuf";
import {
  FinishReason,
  LoadState,
  ProviderFrameSchema,
  SlotState,
  ThermalState,
  TrustLevel,
  type ProviderFrame,
} from "@darkbloom/proto";
import type { FrameKind } from "./codec.js";

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

/** One populated frame per oneof case; a Record so a new case fails to compile until added. */
export const SAMPLE_FRAMES: Record<FrameKind, ProviderFrame> = {
  register: create(ProviderFrameSchema, {
    kind: {
      case: "register",
      value: {
        hardware: { chip: "Apple M3 Max", memoryGb: 128, bandwidthGbps: 400, performanceCores: 12 },
        models: [
          { id: "tiny", sizeBytes: 123n, quantization: "f32", weightHash: "ab", templateOk: true },
        ],
        version: "0.1.0",
        encryptionPublicKey: bytes(32, 1),
        identityPublicKey: bytes(33, 2),
        attestation: bytes(10, 3),
        benchmarks: [{ modelId: "tiny", prefillTokensPerSecond: 1000, decodeTokensPerSecond: 50 }],
        authToken: "tok",
      },
    },
  }),
  heartbeat: create(ProviderFrameSchema, {
    kind: {
      case: "heartbeat",
      value: {
        slots: [
          { modelId: "tiny", state: SlotState.RUNNING, running: 2, waiting: 1, activeTokens: 100n },
        ],
        memory: { activeGb: 1, totalGb: 64, freeForLoadGb: 40 },
        memoryPressure: 0.2,
        thermal: ThermalState.NOMINAL,
        counters: { requestsServed: 5n },
      },
    },
  }),
  inferenceAccepted: create(ProviderFrameSchema, {
    kind: { case: "inferenceAccepted", value: { requestId: "r1" } },
  }),
  chunk: create(ProviderFrameSchema, {
    kind: {
      case: "chunk",
      value: { requestId: "r1", sequence: 3, encryptedPayload: bytes(64, 9), tokenCount: 1 },
    },
  }),
  complete: create(ProviderFrameSchema, {
    kind: {
      case: "complete",
      value: {
        requestId: "r1",
        usage: { promptTokens: 4, completionTokens: 8 },
        finishReason: FinishReason.STOP,
      },
    },
  }),
  inferenceError: create(ProviderFrameSchema, {
    kind: { case: "inferenceError", value: { requestId: "r1", statusCode: 500, message: "boom" } },
  }),
  attestationResponse: create(ProviderFrameSchema, {
    kind: {
      case: "attestationResponse",
      value: { nonce: bytes(32, 7), timestampMs: 1n, signature: bytes(64, 1) },
    },
  }),
  loadModelStatus: create(ProviderFrameSchema, {
    kind: { case: "loadModelStatus", value: { modelId: "tiny", state: LoadState.LOADED } },
  }),
  registerAck: create(ProviderFrameSchema, {
    kind: { case: "registerAck", value: { providerId: "p1", heartbeatIntervalMs: 5000 } },
  }),
  inferenceRequest: create(ProviderFrameSchema, {
    kind: {
      case: "inferenceRequest",
      value: {
        requestId: "r1",
        metadata: { model: "tiny", estimatedPromptTokens: 10, maxTokens: 16, stream: true },
        senderPublicKey: bytes(32, 4),
        encryptedBody: bytes(100, 5),
      },
    },
  }),
  cancel: create(ProviderFrameSchema, {
    kind: { case: "cancel", value: { requestId: "r1", reason: "client gone" } },
  }),
  attestationChallenge: create(ProviderFrameSchema, {
    kind: { case: "attestationChallenge", value: { nonce: bytes(32, 8), timestampMs: 2n } },
  }),
  loadModel: create(ProviderFrameSchema, {
    kind: { case: "loadModel", value: { modelId: "tiny" } },
  }),
  unloadModel: create(ProviderFrameSchema, {
    kind: { case: "unloadModel", value: { modelId: "tiny" } },
  }),
  runtimeStatus: create(ProviderFrameSchema, {
    kind: { case: "runtimeStatus", value: { trustLevel: TrustLevel.SOFTWARE, routable: true } },
  }),
  protocolError: create(ProviderFrameSchema, {
    kind: { case: "protocolError", value: { code: "malformed_frame", message: "bad" } },
  }),
  keyProofChallenge: create(ProviderFrameSchema, {
    kind: {
      case: "keyProofChallenge",
      value: { senderPublicKey: bytes(32, 9), sealed: bytes(95, 2) },
    },
  }),
  keyProof: create(ProviderFrameSchema, {
    kind: { case: "keyProof", value: { secret: bytes(32, 6) } },
  }),
  goAway: create(ProviderFrameSchema, {
    kind: {
      case: "goAway",
      value: { reconnectDelayMs: 100, jitterMs: 500, reason: "coordinator draining" },
    },
  }),
};
