import { create } from "@bufbuild/protobuf";
import { InferenceRequestSchema, SlotState } from "@darkbloom/proto";
import { expect } from "chai";
import { sessionView } from "../registry/session-view.js";
import { Reservations } from "../reservations.js";
import { ProviderStats } from "../stats/provider-stats.js";
import { MemorySessions, type FrameKind, type MemorySession } from "../testing/memory-sessions.js";

const heartbeat = (potential: number, running = 0, waiting = 0): FrameKind => ({
  case: "heartbeat",
  value: {
    slots: [
      {
        modelId: "tiny",
        state: SlotState.IDLE,
        maxTokensPotential: BigInt(potential),
        running,
        waiting,
      },
    ],
  },
});

describe("ProviderSession: requests the engine's slot figures do not include yet", () => {
  const sessions = new MemorySessions();
  let p: MemorySession;

  beforeEach(() => {
    p = sessions.connect({
      models: [{ id: "tiny", templateOk: true, contextLength: 2048 }],
      hardware: { memoryGb: 64 },
    });
    p.receive(heartbeat(0));
  });
  afterEach(() => sessions.closeAll());

  const dispatch = (requestId: string): void => {
    p.session.dispatch(
      create(InferenceRequestSchema, {
        requestId,
        metadata: { model: "tiny", estimatedPromptTokens: 6, maxTokens: 8000 },
      }),
    );
  };

  it("keeps counting a dispatched request when a heartbeat taken before the provider accepted it arrives", () => {
    dispatch("r1");
    expect(p.session.unseenFor("tiny")).to.deep.equal({ requests: 1, tokens: 8006 });
    // This heartbeat left the provider before the request reached its engine.
    p.receive(heartbeat(0));
    expect(p.session.unseenFor("tiny")).to.deep.equal({ requests: 1, tokens: 8006 });
  });

  it("leaves the request to the engine's figures once a heartbeat follows the provider's accept", () => {
    dispatch("r1");
    dispatch("r2");
    p.receive({ case: "inferenceAccepted", value: { requestId: "r1" } });
    expect(p.session.unseenFor("tiny").requests).to.equal(2);
    p.receive(heartbeat(2048));
    expect(p.session.unseenFor("tiny")).to.deep.equal({ requests: 1, tokens: 8006 });
  });

  it("stops counting a request the heartbeat saw once it has ended, until the next heartbeat", () => {
    const view = () =>
      sessionView(p.session, {
        stats: new ProviderStats(),
        reservations: new Reservations(60_000),
      }).slots.get("tiny");
    dispatch("r1");
    dispatch("r2");
    p.receive({ case: "inferenceAccepted", value: { requestId: "r1" } });
    p.receive({ case: "inferenceAccepted", value: { requestId: "r2" } });
    // Taken while r1 ran and r2 waited; both end before the next heartbeat.
    p.receive(heartbeat(16_012, 1, 1));
    p.receive({ case: "complete", value: { requestId: "r1" } });
    expect(view()).to.include({ running: 0, waiting: 1 });
    p.receive({ case: "complete", value: { requestId: "r2" } });
    expect(view()).to.include({ running: 0, waiting: 0 });
    expect(view()?.maxTokensPotential, "token figures stay as reported").to.equal(16_012);
    // The next heartbeat is authoritative again.
    p.receive(heartbeat(0, 0, 1));
    expect(view()).to.include({ running: 0, waiting: 1 });
  });
});
