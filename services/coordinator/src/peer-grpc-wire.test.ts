import { create, toBinary } from "@bufbuild/protobuf";
import {
  ForwardInferResponseSchema,
  InferResponseSchema,
  type InferResponse,
} from "@darkbloom/proto";
import { expect } from "chai";
import {
  EnvelopeReader,
  WireError,
  decodeGrpcMessage,
  encodeGrpcMessage,
  envelope,
  envelopeField1,
} from "./peer-grpc-wire.js";

const chunkOf = (bytes: number): InferResponse =>
  create(InferResponseSchema, {
    kind: {
      case: "chunk",
      value: {
        requestId: "r1",
        sequence: 3,
        tokenCount: 1,
        encryptedPayload: new Uint8Array(bytes).fill(7),
      },
    },
  });

describe("peer gRPC wire", () => {
  it("wraps an encoded InferResponse as the bytes of ForwardInferResponse{event}, enveloped", () => {
    // one-, two- and three-byte length varints
    for (const size of [0, 100, 200, 20_000]) {
      const event = chunkOf(size);
      const expected = envelope(
        toBinary(ForwardInferResponseSchema, create(ForwardInferResponseSchema, { event })),
      );
      expect(envelopeField1(toBinary(InferResponseSchema, event)).equals(expected), `${size}`).to.be
        .true;
    }
  });

  it("reads messages back whatever the chunk boundaries", () => {
    const a = envelope(new Uint8Array([1, 2, 3]));
    const b = envelope(new Uint8Array(0));
    const c = envelope(new Uint8Array(300).fill(9));
    const all = Buffer.concat([a, b, c]);
    const reader = new EnvelopeReader(1_000);
    const got: Buffer[] = [];
    for (let i = 0; i < all.length; i++) got.push(...reader.push(all.subarray(i, i + 1)));
    expect(got.map((m) => m.length)).to.deep.equal([3, 0, 300]);
    expect([...(got[0] ?? [])]).to.deep.equal([1, 2, 3]);
    expect(reader.partial).to.equal(0);
    // all at once, and a trailing partial message is kept, not returned
    const again = new EnvelopeReader(1_000);
    expect(again.push(Buffer.concat([all, c.subarray(0, 7)]))).to.have.length(3);
    expect(again.partial).to.equal(7);
  });

  it("refuses a compressed message and one over the size limit", () => {
    const compressed = envelope(new Uint8Array([1]));
    compressed[0] = 1;
    expect(() => new EnvelopeReader(10).push(compressed))
      .to.throw(WireError)
      .with.property("code", 12);
    expect(() => new EnvelopeReader(10).push(envelope(new Uint8Array(11))))
      .to.throw(WireError)
      .with.property("code", 8);
  });

  it("percent-encodes grpc-message and reads it back (a malformed one as it is)", () => {
    const text = "provider p1 is not connected here: 100% ✓";
    expect(encodeGrpcMessage(text)).to.match(/^[\x20-\x7e]*$/);
    expect(decodeGrpcMessage(encodeGrpcMessage(text))).to.equal(text);
    expect(decodeGrpcMessage("bad %zz")).to.equal("bad %zz");
  });
});
