import { create, equals, fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import {
  ForwardInferRequestSchema,
  InferenceRequestSchema,
  RoutingMetadataSchema,
  type ForwardInferRequest,
} from "@darkbloom/proto";
import { expect } from "chai";
import { decodeForwardInferRequest } from "./peer-request-decode.js";
import { encodeForwardInferRequest } from "./peer-request-encode.js";

const bytes = (n: number, seed = 0): Uint8Array =>
  new Uint8Array(n).map((_, i) => (i * 31 + seed) % 256);

const forward = (
  init: Parameters<typeof create<typeof ForwardInferRequestSchema>>[1],
): ForwardInferRequest => create(ForwardInferRequestSchema, init);

const CASES: [string, ForwardInferRequest][] = [
  [
    "a usual request",
    forward({
      providerId: "prov-3f1c2a9e",
      originReplicaId: "replica-a",
      request: {
        requestId: "3f1c2a9e-6c1d-4b8e-9a57-0c2f8d1e4b6a",
        metadata: {
          model: "mlx-community/Qwen3-8B-4bit",
          estimatedPromptTokens: 1_234,
          maxTokens: 256,
          stream: true,
          accountId: "acct_01",
          prefixBlockHashes: [bytes(32, 1), bytes(32, 2)],
        },
        senderPublicKey: bytes(32, 3),
        encryptedBody: bytes(700, 4),
      },
    }),
  ],
  ["empty", forward({})],
  ["a request without metadata", forward({ providerId: "p", request: { requestId: "r" } })],
  ["empty metadata", forward({ providerId: "p", request: { metadata: {} } })],
  [
    "large counts and a large body",
    forward({
      providerId: "p",
      request: {
        requestId: "r",
        metadata: { model: "m", estimatedPromptTokens: 2 ** 32 - 1, maxTokens: 2 ** 21 },
        encryptedBody: bytes(70_000, 5),
      },
    }),
  ],
  [
    "an empty prefix hash",
    forward({ request: { metadata: { prefixBlockHashes: [new Uint8Array(0), bytes(3)] } } }),
  ],
  [
    "non-ASCII strings",
    forward({
      providerId: "prövider",
      originReplicaId: "réplica",
      request: { requestId: "ïd", metadata: { model: "模型", accountId: "ä" } },
    }),
  ],
];

describe("peer request codec", () => {
  for (const [name, req] of CASES) {
    it(`writes the bytes toBinary writes: ${name}`, () => {
      expect(Buffer.from(encodeForwardInferRequest(req))).to.deep.equal(
        Buffer.from(toBinary(ForwardInferRequestSchema, req)),
      );
    });

    it(`reads what fromBinary reads: ${name}`, () => {
      const wire = Buffer.from(toBinary(ForwardInferRequestSchema, req));
      const direct = decodeForwardInferRequest(wire);
      expect(equals(ForwardInferRequestSchema, direct, req)).to.equal(true);
      expect(direct).to.deep.equal(fromBinary(ForwardInferRequestSchema, wire));
    });
  }

  it("hands a message with an unknown field to the reflective decoder (kept as unknown)", () => {
    const wire = Buffer.concat([
      Buffer.from(toBinary(ForwardInferRequestSchema, forward({ providerId: "p" }))),
      Buffer.from([0x48, 0x07]), // field 9, varint 7
    ]);
    const decoded = decodeForwardInferRequest(wire);
    expect(decoded.providerId).to.equal("p");
    expect(decoded.$unknown).to.have.length(1);
    // and writes it back as it was
    expect(Buffer.from(encodeForwardInferRequest(decoded))).to.deep.equal(wire);
  });

  it("covers every field of the messages it writes (a field added to the proto fails here)", () => {
    const fields = (schema: DescMessage): string[] =>
      schema.fields.map((f) => `${f.number}:${f.name}`);
    expect(fields(ForwardInferRequestSchema)).to.deep.equal([
      "1:provider_id",
      "2:request",
      "3:origin_replica_id",
    ]);
    expect(fields(InferenceRequestSchema)).to.deep.equal([
      "1:request_id",
      "2:metadata",
      "3:sender_public_key",
      "4:encrypted_body",
    ]);
    expect(fields(RoutingMetadataSchema)).to.deep.equal([
      "1:model",
      "2:estimated_prompt_tokens",
      "3:max_tokens",
      "4:stream",
      "5:account_id",
      "6:prefix_block_hashes",
    ]);
  });

  it("throws on a truncated message, as fromBinary does", () => {
    const wire = Buffer.from(toBinary(ForwardInferRequestSchema, CASES[0]?.[1] ?? forward({})));
    expect(() => decodeForwardInferRequest(wire.subarray(0, wire.length - 10))).to.throw();
  });
});
