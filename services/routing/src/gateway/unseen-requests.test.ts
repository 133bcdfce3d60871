import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { generateKeyPair } from "@darkbloom/crypto";
import { encodeFrame } from "@darkbloom/frames";
import { InferenceRequestSchema, ProviderFrameSchema, SlotState } from "@darkbloom/proto";
import { createLogger, createMetricsRegistry } from "@darkbloom/telemetry";
import { expect } from "chai";
import { FakeSocket } from "../testing/fake-socket.js";
import { createGatewayMetrics } from "./gateway-metrics.js";
import { ProviderSession } from "./provider-session.js";

const frame = (kind: MessageInitShape<typeof ProviderFrameSchema>["kind"]): Uint8Array =>
  encodeFrame(create(ProviderFrameSchema, { kind }));

const heartbeat = (potential: number): Uint8Array =>
  frame({
    case: "heartbeat",
    value: {
      slots: [{ modelId: "tiny", state: SlotState.IDLE, maxTokensPotential: BigInt(potential) }],
    },
  });

describe("ProviderSession: requests the engine's slot figures do not include yet", () => {
  let socket: FakeSocket;
  let session: ProviderSession;

  beforeEach(() => {
    socket = new FakeSocket();
    const noop = (): void => undefined;
    session = new ProviderSession(
      "c1",
      socket.asWebSocket(),
      {
        registerTimeoutMs: 60_000,
        heartbeatIntervalMs: 60_000,
        livenessTimeoutMs: 60_000,
        writeTimeoutMs: 60_000,
        maxFrameBytes: 1 << 20,
      },
      { onRegistered: noop, onClosed: noop, onCapacityChanged: noop, onLoadModelStatus: noop },
      createGatewayMetrics(createMetricsRegistry({ defaultMetrics: false })),
      createLogger({ level: "error" }),
    );
    socket.receive(
      frame({
        case: "register",
        value: {
          version: "t",
          models: [{ id: "tiny", templateOk: true, contextLength: 2048 }],
          encryptionPublicKey: generateKeyPair().publicKey,
          hardware: { memoryGb: 64 },
        },
      }),
    );
    socket.receive(heartbeat(0));
  });
  afterEach(() => socket.terminate());

  const dispatch = (requestId: string): void => {
    session.dispatch(
      create(InferenceRequestSchema, {
        requestId,
        metadata: { model: "tiny", estimatedPromptTokens: 6, maxTokens: 8000 },
      }),
    );
  };

  it("keeps counting a dispatched request when a heartbeat taken before the provider accepted it arrives", () => {
    dispatch("r1");
    expect(session.unseenFor("tiny")).to.deep.equal({ requests: 1, tokens: 8006 });
    // This heartbeat left the provider before the request reached its engine.
    socket.receive(heartbeat(0));
    expect(session.unseenFor("tiny")).to.deep.equal({ requests: 1, tokens: 8006 });
  });

  it("leaves the request to the engine's figures once a heartbeat follows the provider's accept", () => {
    dispatch("r1");
    dispatch("r2");
    socket.receive(frame({ case: "inferenceAccepted", value: { requestId: "r1" } }));
    expect(session.unseenFor("tiny").requests).to.equal(2);
    socket.receive(heartbeat(2048));
    expect(session.unseenFor("tiny")).to.deep.equal({ requests: 1, tokens: 8006 });
  });
});
