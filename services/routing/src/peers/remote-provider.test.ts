import { create } from "@bufbuild/protobuf";
import {
  ForwardInferResponseSchema,
  InferResponseSchema,
  InferenceRequestSchema,
  RegisterSchema,
  type ForwardInferRequest,
  type ForwardInferResponse,
} from "@darkbloom/proto";
import { createLogger } from "@darkbloom/telemetry";
import { expect } from "chai";
import { UNATTESTED } from "@darkbloom/session-trust";
import { AsyncQueue } from "../async-queue.js";
import type { PeerLink } from "./peer-link.js";
import { RemoteProvider, type RemoteState } from "./remote-provider.js";

const log = createLogger({ level: "error" });

const chunk = (requestId: string, sequence: number): ForwardInferResponse =>
  create(ForwardInferResponseSchema, {
    event: create(InferResponseSchema, {
      kind: { case: "chunk", value: { requestId, sequence, tokenCount: 1 } },
    }),
  });

/** A link whose forwarded stream is scripted by the test: `script` decides what the owner sends. */
function scriptedLink(
  script: (
    req: ForwardInferRequest,
    signal: AbortSignal,
  ) => AsyncIterable<ForwardInferResponse> | AsyncQueue<ForwardInferResponse>,
): PeerLink {
  return {
    forward: (_peer, req, signal) => script(req, signal),
    inferReserved: () => {
      throw new Error("not used");
    },
    sendFrame: () => Promise.resolve(true),
  };
}

const state: RemoteState = {
  owner: { replicaId: "b", url: "http://b.test:1" },
  register: create(RegisterSchema, { models: [{ id: "m", templateOk: true }] }),
  heartbeat: undefined,
  heartbeatAtMs: 0,
  registeredAtMs: 1,
  trust: UNATTESTED,
  operatorAccountId: "",
  inFlight: 0,
};
const request = (requestId: string) =>
  create(InferenceRequestSchema, { requestId, metadata: { model: "m", maxTokens: 4 } });

describe("RemoteProvider", () => {
  it("relays the owner's events for a forwarded request and counts it in flight until it ends", async () => {
    const seen: ForwardInferRequest[] = [];
    const remote = new RemoteProvider(
      "p1",
      state,
      scriptedLink(async function* (req) {
        seen.push(req);
        await Promise.resolve();
        yield chunk(req.request?.requestId ?? "", 0);
        yield chunk(req.request?.requestId ?? "", 1);
      }),
      "a",
      () => undefined,
      log,
    );
    const events = remote.dispatch(request("r1"));
    expect(remote.inFlightCount).to.equal(1);
    expect(remote.unseenFor("m")).to.deep.equal({ requests: 1, tokens: 4 });
    const kinds: string[] = [];
    for await (const e of events) kinds.push(String(e.kind.case));
    expect(kinds).to.deep.equal(["chunk", "chunk"]);
    expect(seen[0]).to.include({ providerId: "p1", originReplicaId: "a" });
    expect(remote.inFlightCount).to.equal(0);
    expect(remote.unreachable).to.equal(false);
  });

  it("relays the events of a queue link as they are pushed (no promise per event) and stops reading after the final one", () => {
    const owner = new AsyncQueue<ForwardInferResponse>();
    let capacityChanges = 0;
    const remote = new RemoteProvider(
      "p1",
      state,
      scriptedLink(() => owner),
      "a",
      () => capacityChanges++,
      log,
    );
    const seen: string[] = [];
    remote.dispatch(request("r2")).drainTo(
      (e) => seen.push(String(e.kind.case)),
      () => seen.push("end"),
    );
    owner.push(chunk("r2", 0));
    expect(seen).to.deep.equal(["chunk"]);
    owner.push(
      create(ForwardInferResponseSchema, {
        event: { kind: { case: "complete", value: { requestId: "r2" } } },
      }),
    );
    expect(seen).to.deep.equal(["chunk", "complete", "end"]);
    expect(remote.inFlightCount).to.equal(0);
    expect(capacityChanges).to.equal(1);
    // the owner's call is done with: nothing it still delivers reaches the request
    expect(owner.isEnded).to.equal(true);
  });

  it("no longer counts a forwarded request the owner's row saw once it has ended, until a newer row", async () => {
    let finish = (): void => undefined;
    const remote = new RemoteProvider(
      "p1",
      state,
      scriptedLink(async function* (req) {
        await new Promise<void>((resolve) => (finish = resolve));
        yield chunk(req.request?.requestId ?? "", 0);
      }),
      "a",
      () => undefined,
      log,
    );
    const events = remote.dispatch(request("r3"));
    await new Promise((r) => setTimeout(r, 2));
    // The owner's row, written after the request arrived there, counts it.
    remote.update({ ...state, heartbeatAtMs: Date.now() });
    expect(remote.endedSinceHeartbeat("m")).to.equal(0);
    finish();
    for await (const e of events) void e;
    expect(remote.endedSinceHeartbeat("m")).to.equal(1);
    await new Promise((r) => setTimeout(r, 2));
    remote.update({ ...state, heartbeatAtMs: Date.now() });
    expect(remote.endedSinceHeartbeat("m")).to.equal(0);
  });

  it("cancel closes the forwarded stream (the owner cancels at the provider)", async () => {
    let aborted = false;
    const remote = new RemoteProvider(
      "p1",
      state,
      scriptedLink(async function* (req, signal) {
        yield chunk(req.request?.requestId ?? "", 0);
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
        aborted = true;
      }),
      "a",
      () => undefined,
      log,
    );
    const events = remote.dispatch(request("r2"));
    for await (const e of events) {
      expect(e.kind.case).to.equal("chunk");
      remote.cancel("r2", "consumer went away");
    }
    expect(aborted).to.equal(true);
    expect(remote.inFlightRequestIds()).to.deep.equal([]);
  });

  it("ends with a 502 error event when the owner replica cannot be reached", async () => {
    const remote = new RemoteProvider(
      "p1",
      state,
      scriptedLink(async function* () {
        await Promise.resolve();
        yield* [];
        throw new Error("connect ECONNREFUSED");
      }),
      "a",
      () => undefined,
      log,
    );
    const events = [];
    for await (const e of remote.dispatch(request("r3"))) events.push(e);
    expect(events).to.have.length(1);
    const last = events[0];
    expect(last?.kind.case === "error" && last.kind.value.statusCode).to.equal(502);
    // the relay waits for this provider at a new place rather than failing at once
    expect(remote.unreachable).to.equal(true);
  });

  it("is not routable for a fenced model and never wins a liveness probe against a local claim", async () => {
    const remote = new RemoteProvider(
      "p1",
      { ...state, trust: { ...UNATTESTED, fencedModels: new Set(["m"]) } },
      scriptedLink(async function* () {}),
      "a",
      () => undefined,
      log,
    );
    expect(remote.hasModel("m")).to.equal(false);
    expect(await remote.probe()).to.equal(false);
  });
});
