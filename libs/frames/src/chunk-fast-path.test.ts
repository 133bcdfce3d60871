import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ChunkSchema, ProviderFrameSchema } from "@darkbloom/proto";
import { expect } from "chai";
import { decodeChunkFrame } from "./chunk-fast-path.js";
import { decodeFrame } from "./codec.js";

const chunkFrame = (value: {
  requestId: string;
  sequence: number;
  encryptedPayload: Uint8Array;
  tokenCount: number;
}): Uint8Array =>
  toBinary(ProviderFrameSchema, create(ProviderFrameSchema, { kind: { case: "chunk", value } }));

describe("decodeChunkFrame", () => {
  it("builds exactly the message the reflective decoder builds, for every field size", () => {
    for (const n of [0, 1, 63, 64, 127, 128, 300, 20_000]) {
      for (const [sequence, tokenCount] of [
        [0, 0],
        [1, 1],
        [127, 128],
        [16_384, 2_000_000],
        [0xffffffff, 0xfffffffe],
      ] as const) {
        const bytes = chunkFrame({
          requestId: "6f1c0a52-9d3e-4c55-8f0e-0c4f1d2b9a77",
          sequence,
          encryptedPayload: Uint8Array.from({ length: n }, (_, i) => i % 251),
          tokenCount,
        });
        expect(decodeChunkFrame(bytes), `${n} ${sequence}`).to.deep.equal(
          fromBinary(ProviderFrameSchema, bytes),
        );
      }
    }
  });

  it("leaves anything unusual to the full decoder, which decides", () => {
    const plain = chunkFrame({
      requestId: "r1",
      sequence: 2,
      encryptedPayload: new Uint8Array(8),
      tokenCount: 1,
    });
    const nonAscii = chunkFrame({
      requestId: "rä",
      sequence: 2,
      encryptedPayload: new Uint8Array(8),
      tokenCount: 1,
    });
    // an unknown field (15, varint) inside the chunk
    const inner = toBinary(
      ChunkSchema,
      create(ChunkSchema, { requestId: "r1", encryptedPayload: new Uint8Array(3) }),
    );
    const unknown = Uint8Array.from([0x22, inner.length + 2, ...inner, 15 << 3, 1]);
    const trailing = Uint8Array.from([...plain, 0xa0, 0x06, 0x01]); // unknown field 100 after it
    const truncated = plain.subarray(0, plain.length - 1);
    // the sequence (2) written in two bytes rather than one
    const padded = Uint8Array.from([0x22, 6, 0x0a, 1, 0x61, 0x10, 0x82, 0x00]);
    const otherKind = toBinary(
      ProviderFrameSchema,
      create(ProviderFrameSchema, {
        kind: { case: "inferenceAccepted", value: { requestId: "r1" } },
      }),
    );
    for (const bytes of [nonAscii, unknown, trailing, truncated, otherKind, padded])
      expect(decodeChunkFrame(bytes)).to.equal(undefined);
    expect(decodeChunkFrame(plain)).to.not.equal(undefined);
    // decodeFrame still decodes the unusual ones exactly as before
    for (const bytes of [nonAscii, unknown, trailing, padded]) {
      const decoded = decodeFrame(bytes);
      expect(decoded.ok && decoded.frame).to.deep.equal(fromBinary(ProviderFrameSchema, bytes));
    }
    expect(decodeFrame(truncated)).to.include({ ok: false, reason: "malformed" });
  });
});
