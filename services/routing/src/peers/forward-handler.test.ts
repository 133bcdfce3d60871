import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { boxBeforenm, generateKeyPair, sealWithSharedKey } from "@darkbloom/crypto";
import {
  ForwardInferRequestSchema,
  InferenceBodySchema,
  type ForwardInferRequest,
  type InferResponse,
} from "@darkbloom/proto";
import type { FakeProvider } from "@darkbloom/testing";
import { expect } from "chai";
import { startRoutingHarness, type RoutingHarness } from "../testing/routing-harness.js";
import { forwardInferTo } from "./forward-handler.js";

/** A request sealed to the provider's key, as the forwarding replica sends it. */
function forwarded(provider: FakeProvider, requestId: string): ForwardInferRequest {
  const eph = generateKeyPair();
  const key = boxBeforenm(provider.keys.publicKey, eph.secretKey);
  const body = toBinary(
    InferenceBodySchema,
    create(InferenceBodySchema, { model: "m", input: { case: "prompt", value: "hi" } }),
  );
  return create(ForwardInferRequestSchema, {
    providerId: provider.providerId,
    originReplicaId: "a",
    request: {
      requestId,
      metadata: { model: "m", maxTokens: 4 },
      senderPublicKey: eph.publicKey,
      encryptedBody: sealWithSharedKey(key, body),
    },
  });
}

/** A sink recording what forwardInferTo hands over; `ended` resolves on its end. */
function recorder() {
  const events: InferResponse[] = [];
  let ends = 0;
  let resolve = (): void => undefined;
  const ended = new Promise<void>((r) => (resolve = r));
  return {
    events,
    ends: () => ends,
    ended,
    sink: {
      event: (e: InferResponse) => events.push(e),
      end: () => {
        ends++;
        resolve();
      },
    },
  };
}

describe("forwardInferTo (the owner replica's side of a forwarded request)", () => {
  let harness: RoutingHarness;
  beforeEach(async () => (harness = await startRoutingHarness()));
  afterEach(() => harness.close());

  it("dispatches the still-sealed request and hands over the session's events in order, then ends once", async () => {
    const provider = await harness.provider({
      models: ["m"],
      reply: () => ({ pieces: ["a", "b"] }),
    });
    const req = forwarded(provider, "r1");
    const rec = recorder();
    forwardInferTo(harness.registry, req, rec.sink);
    await rec.ended;
    expect(rec.events.map((e) => e.kind.case)).to.deep.equal(["chunk", "chunk", "complete"]);
    expect(rec.ends()).to.equal(1);
    // the provider got the consumer's sealed body byte for byte (nothing opened or re-sealed)
    const dispatched = provider.received.find((f) => f.kind.case === "inferenceRequest");
    expect(
      dispatched?.kind.case === "inferenceRequest" &&
        Buffer.from(dispatched.kind.value.encryptedBody).equals(
          Buffer.from(req.request?.encryptedBody ?? []),
        ),
    ).to.equal(true);
  });

  it("cancel before the end cancels the request at the provider and ends the sink", async () => {
    const provider = await harness.provider({
      models: ["m"],
      reply: () => ({ pieces: ["a"], complete: false }),
    });
    const rec = recorder();
    const cancel = forwardInferTo(harness.registry, forwarded(provider, "r2"), rec.sink);
    while (rec.events.length === 0) await new Promise((r) => setTimeout(r, 5));
    cancel();
    await rec.ended;
    while (!provider.received.some((f) => f.kind.case === "cancel"))
      await new Promise((r) => setTimeout(r, 5));
    const frame = provider.received.find((f) => f.kind.case === "cancel");
    expect(frame?.kind.case === "cancel" && frame.kind.value.requestId).to.equal("r2");
    cancel(); // a second cancel (the stream's close after its end) does nothing
    expect(provider.received.filter((f) => f.kind.case === "cancel")).to.have.length(1);
    expect(rec.ends()).to.equal(1);
  });

  it("refuses before dispatching: Unavailable for a provider not held here, InvalidArgument without a request id", async () => {
    const provider = await harness.provider({ models: ["m"] });
    const rec = recorder();
    const unknown = create(ForwardInferRequestSchema, {
      providerId: "nobody",
      request: { requestId: "r3" },
    });
    expect(() => forwardInferTo(harness.registry, unknown, rec.sink))
      .to.throw(ConnectError)
      .with.property("code", Code.Unavailable);
    const noId = create(ForwardInferRequestSchema, {
      providerId: provider.providerId,
      request: {},
    });
    expect(() => forwardInferTo(harness.registry, noId, rec.sink))
      .to.throw(ConnectError)
      .with.property("code", Code.InvalidArgument);
    expect(provider.received.some((f) => f.kind.case === "inferenceRequest")).to.equal(false);
  });
});
