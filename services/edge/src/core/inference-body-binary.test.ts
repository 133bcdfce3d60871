import { create, fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import {
  ChatInputSchema,
  ChatMessageSchema,
  InferenceBodySchema,
  SamplingParamsSchema,
  ToolCallSchema,
  ToolSchema,
  type InferenceBody,
} from "@darkbloom/proto";
import { mulberry32 } from "@darkbloom/random";
import { expect } from "chai";
import { inferenceBodyBinary } from "./inference-body-binary.js";

const PIECES = ["", "a", "hello", "é", "日本語", "🙂", "\u0000", "\ud800", "x".repeat(130)];

function body(random: () => number): InferenceBody {
  const int = (n: number): number => Math.floor(random() * n);
  const text = (): string => {
    let s = "";
    const parts = int(4);
    for (let i = 0; i < parts; i++) s += PIECES[int(PIECES.length)];
    if (random() < 0.05) s += "y".repeat(20_000);
    return s;
  };
  const list = <T>(max: number, item: () => T): T[] => Array.from({ length: int(max) }, item);
  const chat = {
    messages: list(4, () => ({
      role: text(),
      content: text(),
      name: text(),
      toolCallId: text(),
      toolCalls: list(3, () => ({ id: text(), name: text(), argumentsJson: text() })),
    })),
    tools: list(3, () => ({ name: text(), description: text(), parametersJson: text() })),
    toolChoiceJson: text(),
    responseFormatJson: text(),
  };
  const input =
    random() < 0.6
      ? { case: "chat" as const, value: chat }
      : random() < 0.5
        ? { case: "prompt" as const, value: text() }
        : { case: undefined };
  const floats = [0, -0, 0.7, 1e-45, 3.4e38, -3.4e38, NaN, Infinity, -Infinity, 1 / 3];
  const logitBias: Record<number, number> = {};
  for (let i = int(4); i > 0; i--) logitBias[int(2 ** 32)] = floats[int(floats.length)] ?? 0;
  const sampling =
    random() < 0.8
      ? {
          maxTokens: [0, 1, 127, 128, 16_384, 2 ** 32 - 1][int(6)],
          ...(random() < 0.5 ? { temperature: floats[int(floats.length)] } : {}),
          ...(random() < 0.5 ? { topP: floats[int(floats.length)] } : {}),
          ...(random() < 0.5 ? { seed: [0n, 1n, 300n, 2n ** 64n - 1n][int(4)] } : {}),
          stop: list(3, text),
          includeSpecialTokens: random() < 0.5,
          logitBias,
        }
      : undefined;
  return create(InferenceBodySchema, {
    model: text(),
    input,
    ...(sampling ? { sampling } : {}),
    accountId: text(),
    prefixKey: random() < 0.5 ? new Uint8Array(32).fill(int(256)) : new Uint8Array(),
  });
}

describe("inferenceBodyBinary", () => {
  it("writes exactly toBinary's bytes for 2,000 varied bodies (unicode, long texts, every field)", () => {
    const random = mulberry32(15);
    for (let i = 0; i < 2000; i++) {
      const b = body(random);
      const ours = inferenceBodyBinary(b);
      expect(Buffer.from(ours).equals(Buffer.from(toBinary(InferenceBodySchema, b))), `body ${i}`)
        .to.be.true;
      expect(fromBinary(InferenceBodySchema, ours).accountId, `body ${i}`).to.equal(
        fromBinary(InferenceBodySchema, toBinary(InferenceBodySchema, b)).accountId,
      );
    }
  });

  it("a body with unknown fields or figures protobuf-es refuses goes to toBinary, which decides", () => {
    const withUnknown = create(InferenceBodySchema, { model: "m" });
    withUnknown.$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([1]) }];
    expect(inferenceBodyBinary(withUnknown)).to.deep.equal(
      toBinary(InferenceBodySchema, withUnknown),
    );
    for (const sampling of [{ maxTokens: 1.5 }, { maxTokens: -1 }, { temperature: 1e39 }]) {
      const bad = create(InferenceBodySchema, { model: "m", sampling });
      const expected = ((): unknown => {
        try {
          return toBinary(InferenceBodySchema, bad);
        } catch (err) {
          return (err as Error).message;
        }
      })();
      expect(expected).to.be.a("string");
      expect(() => inferenceBodyBinary(bad)).to.throw(expected as string);
    }
  });

  it("covers every field of the body's messages (a field added to inference.proto fails here)", () => {
    const fields = (schema: DescMessage): string[] =>
      schema.fields.map((f) => `${f.number}:${f.name}`);
    expect(fields(InferenceBodySchema)).to.deep.equal([
      "1:model",
      "2:chat",
      "3:prompt",
      "4:sampling",
      "5:account_id",
      "6:prefix_key",
    ]);
    expect(fields(ChatInputSchema)).to.deep.equal([
      "1:messages",
      "2:tools",
      "3:tool_choice_json",
      "4:response_format_json",
    ]);
    expect(fields(ChatMessageSchema)).to.deep.equal([
      "1:role",
      "2:content",
      "3:name",
      "4:tool_call_id",
      "5:tool_calls",
    ]);
    expect(fields(ToolCallSchema)).to.deep.equal(["1:id", "2:name", "3:arguments_json"]);
    expect(fields(ToolSchema)).to.deep.equal(["1:name", "2:description", "3:parameters_json"]);
    expect(fields(SamplingParamsSchema)).to.deep.equal([
      "1:max_tokens",
      "2:temperature",
      "3:top_p",
      "4:seed",
      "5:stop",
      "6:include_special_tokens",
      "7:logit_bias",
    ]);
  });
});
