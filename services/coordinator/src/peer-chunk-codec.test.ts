import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ForwardInferResponseSchema,
  InferResponseSchema,
  type InferResponse,
} from "@darkbloom/proto";
import { expect } from "chai";
import { decodeForwardInferResponse, encodeInferResponse } from "./peer-chunk-codec.js";
import { envelopeField1 } from "./peer-grpc-wire.js";

const chunk = (
  requestId: string,
  sequence: number,
  payloadBytes: number,
  tokenCount: number,
): InferResponse =>
  create(InferResponseSchema, {
    kind: {
      case: "chunk",
      value: {
        requestId,
        sequence,
        tokenCount,
        encryptedPayload: new Uint8Array(payloadBytes).map((_, i) => i % 251),
      },
    },
  });

const EVENTS: InferResponse[] = [
  chunk("3f1c2a9e-6c1d-4b8e-9a57-0c2f8d1e4b6a", 1, 60, 1),
  chunk("", 0, 0, 0),
  chunk("r", 127, 127, 128),
  chunk("r-2", 16_384, 20_000, 2 ** 21),
  chunk("r-3", 2 ** 32 - 1, 1, 2 ** 32 - 1),
  chunk("ünïcode-id", 5, 10, 1), // not ASCII: the reflective encoder writes it
  create(InferResponseSchema, {
    kind: { case: "complete", value: { requestId: "r", usage: { completionTokens: 3 } } },
  }),
  create(InferResponseSchema, {
    kind: { case: "error", value: { requestId: "r", statusCode: 502, message: "gone" } },
  }),
  create(InferResponseSchema, {
    kind: { case: "started", value: { providerId: "p1", dispatchedAtMs: 12n } },
  }),
];

/** The ForwardInferResponse message bytes (the envelope's body) around an event. */
const messageOf = (event: InferResponse): Uint8Array =>
  envelopeField1(encodeInferResponse(event)).subarray(5);

describe("the forwarded chunk codec (peer hop, without protobuf reflection)", () => {
  it("writes every event byte for byte as toBinary does", () => {
    EVENTS.forEach((event, i) =>
      expect(
        Buffer.from(encodeInferResponse(event)).equals(toBinary(InferResponseSchema, event)),
        `event ${i} (${event.kind.case})`,
      ).to.equal(true),
    );
  });

  it("reads every event back as fromBinary does", () => {
    EVENTS.forEach((event, i) => {
      const bytes = messageOf(event);
      const fast = decodeForwardInferResponse(bytes);
      const slow = fromBinary(ForwardInferResponseSchema, bytes);
      expect(equals(ForwardInferResponseSchema, fast, slow), `event ${i}`).to.equal(true);
      expect(fast.event?.kind.case).to.equal(event.kind.case);
    });
  });

  it("leaves anything unusual to fromBinary: a truncated message fails as there", () => {
    const bytes = messageOf(chunk("r", 1, 40, 1));
    const truncated = bytes.subarray(0, bytes.length - 3);
    expect(() => fromBinary(ForwardInferResponseSchema, truncated)).to.throw();
    expect(() => decodeForwardInferResponse(truncated)).to.throw();
    // an unknown field inside the chunk: kept by fromBinary, so not taken by the fast path
    const withUnknown = Uint8Array.from([0x0a, 0x04, 0x12, 0x02, 0x28, 0x01]);
    expect(
      equals(
        ForwardInferResponseSchema,
        decodeForwardInferResponse(withUnknown),
        fromBinary(ForwardInferResponseSchema, withUnknown),
      ),
    ).to.equal(true);
    expect(decodeForwardInferResponse(withUnknown).event?.kind.value?.$unknown).to.have.length(1);
  });
});
