import { create, toBinary, type DescMessage } from "@bufbuild/protobuf";
import {
  InferenceRequestSchema,
  ProviderFrameSchema,
  RoutingMetadataSchema,
  type InferenceRequest,
  type ProviderFrame,
} from "@darkbloom/proto";
import { expect } from "chai";
import { encodeFrame } from "./codec.js";
import { encodeInferenceRequestFrame } from "./inference-request-frame.js";
import { SAMPLE_FRAMES } from "./sample-frames.test-helper.js";
import { draws, seededRandom } from "./seeded-random.test-helper.js";

const TEXTS = [
  "",
  "r",
  "6f1c0a52-9d3e-4c55-8f0e-0c4f1d2b9a77",
  "模型",
  "é🙂",
  "\ud800",
  "x".repeat(200),
];
const COUNTS = [0, 1, 127, 128, 16_383, 16_384, 2 ** 21, 2 ** 28, 2 ** 32 - 1];

function requestFrame(random: () => number): ProviderFrame {
  const { int, pick, bytes } = draws(random);
  const metadata = {
    model: pick(TEXTS),
    estimatedPromptTokens: pick(COUNTS),
    maxTokens: pick(COUNTS),
    stream: random() < 0.5,
    accountId: pick(TEXTS),
    prefixBlockHashes: Array.from({ length: int(4) }, () => bytes(40)),
  };
  return create(ProviderFrameSchema, {
    kind: {
      case: "inferenceRequest",
      value: {
        requestId: pick(TEXTS),
        ...(random() < 0.9 ? { metadata } : {}),
        senderPublicKey: bytes(random() < 0.9 ? 32 : 0),
        encryptedBody: bytes(random() < 0.02 ? 70_000 : 2_000),
      },
    },
  });
}

const reflective = (frame: ProviderFrame): Buffer =>
  Buffer.from(toBinary(ProviderFrameSchema, frame));

describe("encodeInferenceRequestFrame", () => {
  it("writes exactly toBinary's bytes for 2,000 varied requests (unicode, sizes, every field)", () => {
    const random = seededRandom(21);
    for (let i = 0; i < 2000; i++) {
      const frame = requestFrame(random);
      const direct = encodeInferenceRequestFrame(frame);
      expect(direct, `request ${i}`).to.not.equal(undefined);
      expect(Buffer.from(direct ?? []).equals(reflective(frame)), `request ${i}`).to.equal(true);
      expect(Buffer.from(encodeFrame(frame)).equals(reflective(frame)), `request ${i}`).to.equal(
        true,
      );
    }
  });

  it("leaves unknown fields and counts protobuf-es refuses to toBinary, which decides", () => {
    const unknown = [{ no: 99, wireType: 0, data: new Uint8Array([1]) }];
    const parts = (): { frame: ProviderFrame; request: InferenceRequest } => {
      const request = create(InferenceRequestSchema, { requestId: "r", metadata: { model: "m" } });
      const frame = create(ProviderFrameSchema, {
        kind: { case: "inferenceRequest", value: request },
      });
      return { frame, request };
    };
    const atFrame = parts();
    atFrame.frame.$unknown = unknown;
    const atRequest = parts();
    atRequest.request.$unknown = unknown;
    const atMetadata = parts();
    if (atMetadata.request.metadata) atMetadata.request.metadata.$unknown = unknown;
    for (const { frame } of [atFrame, atRequest, atMetadata]) {
      expect(encodeInferenceRequestFrame(frame)).to.equal(undefined);
      expect(Buffer.from(encodeFrame(frame)).equals(reflective(frame))).to.equal(true);
    }
    for (const maxTokens of [1.5, -1, 2 ** 32]) {
      const frame = create(ProviderFrameSchema, {
        kind: { case: "inferenceRequest", value: { requestId: "r", metadata: { maxTokens } } },
      });
      expect(encodeInferenceRequestFrame(frame)).to.equal(undefined);
      expect(() => encodeFrame(frame)).to.throw("invalid uint32");
    }
  });

  it("writes no other frame kind", () => {
    for (const [kind, frame] of Object.entries(SAMPLE_FRAMES))
      if (kind !== "inferenceRequest")
        expect(encodeInferenceRequestFrame(frame), kind).to.equal(undefined);
  });

  it("covers every field it writes (a field added to provider.proto fails here)", () => {
    const fields = (schema: DescMessage): string[] =>
      schema.fields.map((f) => `${f.number}:${f.name}`);
    expect(fields(ProviderFrameSchema)).to.include("21:inference_request");
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
});
