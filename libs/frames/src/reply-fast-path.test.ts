import { create, equals, fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import {
  CompleteSchema,
  InferenceAcceptedSchema,
  InferenceErrorSchema,
  ProviderFrameSchema,
  UsageSchema,
  type ProviderFrame,
} from "@darkbloom/proto";
import { expect } from "chai";
import { decodeFrame, type DecodeResult } from "./codec.js";
import { decodeReplyFrame } from "./reply-fast-path.js";
import { SAMPLE_FRAMES } from "./sample-frames.test-helper.js";
import { draws, seededRandom } from "./seeded-random.test-helper.js";

const ASCII = [
  "",
  "r1",
  "6f1c0a52-9d3e-4c55-8f0e-0c4f1d2b9a77",
  "engine: out of memory",
  "x".repeat(300),
];
const COUNTS = [0, 1, 127, 128, 16_384, 2 ** 28, 2 ** 31 - 1, 2 ** 32 - 1];

function replyFrame(random: () => number, text: readonly string[]): ProviderFrame {
  const { int, pick, bytes } = draws(random);
  const usage = (): { usage?: { promptTokens: number; completionTokens: number } } =>
    random() < 0.8 ? { usage: { promptTokens: pick(COUNTS), completionTokens: pick(COUNTS) } } : {};
  switch (int(3)) {
    case 0:
      return create(ProviderFrameSchema, {
        kind: { case: "inferenceAccepted", value: { requestId: pick(text) } },
      });
    case 1:
      return create(ProviderFrameSchema, {
        kind: {
          case: "complete",
          value: {
            requestId: pick(text),
            ...usage(),
            finishReason: pick([0, 1, 2, 3, 4, 5, 99, 2 ** 31 - 1]),
            responseHash: bytes(random() < 0.5 ? 0 : 32),
            signature: bytes(random() < 0.5 ? 0 : 200),
          },
        },
      });
    default:
      return create(ProviderFrameSchema, {
        kind: {
          case: "inferenceError",
          value: {
            requestId: pick(text),
            statusCode: pick([0, 400, 500, 503, 2 ** 32 - 1]),
            message: pick(text),
            ...usage(),
          },
        },
      });
  }
}

/** What decodeFrame gave before any fast path: the reflective decoder's message or its error. */
function reflective(data: Uint8Array): DecodeResult {
  try {
    const frame = fromBinary(ProviderFrameSchema, data);
    const kind = frame.kind.case;
    return kind === undefined
      ? { ok: false, reason: "empty", message: "frame carries no message" }
      : { ok: true, frame, kind };
  } catch (err) {
    return { ok: false, reason: "malformed", message: (err as Error).message };
  }
}

describe("decodeReplyFrame", () => {
  it("builds exactly the messages the reflective decoder builds, for 3,000 varied frames", () => {
    const random = seededRandom(7);
    for (let i = 0; i < 3000; i++) {
      const frame = replyFrame(random, ASCII);
      const bytes = toBinary(ProviderFrameSchema, frame);
      const direct = decodeReplyFrame(bytes);
      expect(direct, `frame ${i}`).to.deep.equal(fromBinary(ProviderFrameSchema, bytes));
      expect(equals(ProviderFrameSchema, direct ?? frame, frame), `frame ${i}`).to.equal(true);
    }
  });

  it("leaves non-ASCII text and unusual encodings to the full decoder, which decides", () => {
    const random = seededRandom(8);
    const unicode = ["é", "模型", "🙂", "\ud800"];
    for (let i = 0; i < 200; i++) {
      const bytes = toBinary(ProviderFrameSchema, replyFrame(random, unicode));
      expect(decodeReplyFrame(bytes)).to.equal(undefined);
      expect(decodeFrame(bytes)).to.deep.equal(reflective(bytes));
    }
    const complete = toBinary(CompleteSchema, create(CompleteSchema, { requestId: "r1" }));
    const frameOf = (body: number[]): Uint8Array => Uint8Array.from([0x2a, body.length, ...body]);
    const usage = [0x12, 2, 0x08, 4];
    const unusual = {
      "an unknown field": frameOf([...complete, 15 << 3, 1]),
      "a usage sent twice (merged)": frameOf([...complete, ...usage, 0x12, 2, 0x10, 8]),
      "a negative finish reason": frameOf([...complete, 0x18, ...[0xff, 0xff, 0xff, 0xff, 0x0f]]),
      "a padded varint": frameOf([...complete, 0x18, 0x81, 0x00]),
      "a field after the reply": Uint8Array.from([...frameOf([...complete]), 0xa0, 0x06, 0x01]),
      "a string as a varint": frameOf([0x08, 1]),
    };
    for (const [name, bytes] of Object.entries(unusual)) {
      expect(decodeReplyFrame(bytes), name).to.equal(undefined);
      expect(decodeFrame(bytes), name).to.deep.equal(reflective(bytes));
    }
  });

  it("gives decodeFrame's same answer for every truncation of every per-request frame", () => {
    const random = seededRandom(9);
    const frames = [
      SAMPLE_FRAMES.chunk,
      ...Array.from({ length: 30 }, () => replyFrame(random, ASCII)),
    ];
    for (const frame of frames) {
      const bytes = toBinary(ProviderFrameSchema, frame);
      for (let n = 0; n < bytes.length; n++) {
        const cut = bytes.subarray(0, n);
        expect(decodeFrame(cut), `${frame.kind.case} cut at ${n}`).to.deep.equal(reflective(cut));
      }
    }
  });

  it("decodes no other frame kind", () => {
    for (const [kind, frame] of Object.entries(SAMPLE_FRAMES))
      if (!["inferenceAccepted", "complete", "inferenceError"].includes(kind))
        expect(decodeReplyFrame(toBinary(ProviderFrameSchema, frame)), kind).to.equal(undefined);
  });

  it("covers every field of the frames it reads (a field added to the proto fails here)", () => {
    const fields = (schema: DescMessage): string[] =>
      schema.fields.map((f) => `${f.number}:${f.name}`);
    expect(fields(ProviderFrameSchema)).to.include.members([
      "3:inference_accepted",
      "5:complete",
      "6:inference_error",
    ]);
    expect(fields(InferenceAcceptedSchema)).to.deep.equal(["1:request_id"]);
    expect(fields(CompleteSchema)).to.deep.equal([
      "1:request_id",
      "2:usage",
      "3:finish_reason",
      "4:response_hash",
      "5:signature",
    ]);
    expect(fields(InferenceErrorSchema)).to.deep.equal([
      "1:request_id",
      "2:status_code",
      "3:message",
      "4:usage",
    ]);
    expect(fields(UsageSchema)).to.deep.equal(["1:prompt_tokens", "2:completion_tokens"]);
  });
});
