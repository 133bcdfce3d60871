import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ChunkPayloadSchema } from "@darkbloom/proto";
import { expect } from "chai";
import { decodeChunkPayload } from "./chunk-payload.js";

const encode = (init: Parameters<typeof create<typeof ChunkPayloadSchema>>[1]): Uint8Array =>
  toBinary(ChunkPayloadSchema, create(ChunkPayloadSchema, init));

describe("decodeChunkPayload", () => {
  it("decodes every payload exactly as the reflective decoder does", () => {
    const payloads = [
      encode({}),
      encode({ text: "hello" }),
      encode({ text: "héllo wörld 🙂", tokenCount: 3 }),
      encode({ text: "x".repeat(300), tokenCount: 0xffffffff, promptTokens: 123_456 }),
      encode({ text: "", stopSequence: "</s>", tokenCount: 1 }),
      encode({
        text: "call",
        toolCalls: [{ index: 0, id: "c1", name: "f", argumentsDelta: '{"a":' }],
      }),
      // an unknown field (9, varint) after the text
      Uint8Array.from([...encode({ text: "hi" }), 9 << 3, 1]),
    ];
    for (const bytes of payloads)
      expect(decodeChunkPayload(bytes)).to.deep.equal(fromBinary(ChunkPayloadSchema, bytes));
  });

  it("fails on invalid UTF-8 and on truncation as the reflective decoder does", () => {
    const bad = [Uint8Array.from([0x0a, 2, 0xc3, 0x28]), encode({ text: "hello" }).subarray(0, 4)];
    for (const bytes of bad) {
      const expected = (() => {
        try {
          return fromBinary(ChunkPayloadSchema, bytes);
        } catch (err) {
          return (err as Error).constructor.name;
        }
      })();
      const got = (() => {
        try {
          return decodeChunkPayload(bytes);
        } catch (err) {
          return (err as Error).constructor.name;
        }
      })();
      expect(got).to.deep.equal(expected);
      expect(got).to.be.a("string");
    }
  });
});
