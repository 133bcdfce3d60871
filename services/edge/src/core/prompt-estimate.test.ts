import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema } from "@darkbloom/proto";
import { expect } from "chai";
import { estimatePromptTokens } from "./prompt-estimate.js";

const chat = (value: Parameters<typeof create<typeof InferenceBodySchema>>[1]) =>
  create(InferenceBodySchema, { model: "m", ...value });

describe("estimatePromptTokens", () => {
  it("counts one token per UTF-8 byte plus the template allowance", () => {
    const body = chat({ input: { case: "prompt", value: "héllo" } });
    expect(estimatePromptTokens(body)).to.equal(8 + 6 + 8);
  });

  it("counts an assistant's tool-call arguments, ids and names", () => {
    const args = JSON.stringify({ path: "x".repeat(1800) });
    const body = chat({
      input: {
        case: "chat",
        value: {
          messages: [
            { role: "user", content: "go" },
            { role: "assistant", toolCalls: [{ id: "call_1", name: "read", argumentsJson: args }] },
            { role: "tool", toolCallId: "call_1", content: "ok" },
          ],
        },
      },
    });
    expect(estimatePromptTokens(body)).to.be.at.least(args.length);
    expect(estimatePromptTokens(body)).to.equal(
      8 + (8 + 4 + 2) + (8 + 9) + (8 + 6 + 4 + args.length) + (8 + 4 + 2 + 6),
    );
  });

  it("counts tool schemas, tool_choice and response_format", () => {
    const body = chat({
      input: {
        case: "chat",
        value: {
          tools: [{ name: "f", description: "dd", parametersJson: "{}" }],
          toolChoiceJson: '"auto"',
          responseFormatJson: '{"type":"json_object"}',
        },
      },
    });
    expect(estimatePromptTokens(body)).to.equal(8 + 6 + 22 + (8 + 1 + 2 + 2));
  });
});
