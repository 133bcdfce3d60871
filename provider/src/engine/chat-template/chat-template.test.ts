import { readFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { ChatInputSchema } from "@darkbloom/proto";
import { expect } from "chai";
import { ChatTemplate } from "./chat-template.js";
import { EngineError } from "../errors.js";
import { templateSelfCheck } from "./template-self-check.js";
import { testModelDir } from "../test-fixture.js";

describe("ChatTemplate", () => {
  let template: ChatTemplate;
  before(() => {
    const cfg = JSON.parse(readFileSync(join(testModelDir(), "tokenizer_config.json"), "utf8")) as {
      chat_template: string;
    };
    template = new ChatTemplate(cfg.chat_template, { bosToken: "", eosToken: "<|im_end|>" });
  });

  it("renders every role and ends with the generation prompt", () => {
    const out = template.render(
      create(ChatInputSchema, {
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello" },
          { role: "user", content: "Bye" },
        ],
      }),
    );
    expect(out).to.equal(
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n" +
        "<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n",
    );
  });

  it("passes tools and tool calls with parsed JSON arguments", () => {
    const out = template.render(
      create(ChatInputSchema, {
        messages: [
          { role: "user", content: "Weather?" },
          {
            role: "assistant",
            toolCalls: [{ id: "c1", name: "get_weather", argumentsJson: '{"city":"Paris"}' }],
          },
          { role: "tool", content: "sunny", toolCallId: "c1" },
        ],
        tools: [
          {
            name: "get_weather",
            description: "Look up weather",
            parametersJson: '{"type":"object"}',
          },
        ],
      }),
    );
    expect(out).to.include("# Tools");
    expect(out).to.include('"name": "get_weather"');
    expect(out).to.match(/"arguments": \{\s*"city": "Paris"\s*\}/);
    expect(out).to.include("<|im_start|>tool\nsunny<|im_end|>");
  });

  it("rejects malformed tool-call JSON as invalid input", () => {
    const chat = create(ChatInputSchema, {
      messages: [
        { role: "assistant", toolCalls: [{ id: "c", name: "f", argumentsJson: "{nope" }] },
      ],
    });
    expect(() => template.render(chat))
      .to.throw(EngineError)
      .with.property("code", "invalid_input");
  });

  it("self-check reports ok for a working template and the error for a broken one", () => {
    expect(templateSelfCheck(template).ok).to.equal(true);
    const broken = new ChatTemplate("{{ messages[0].content | nosuchfilter }}", {
      bosToken: "",
      eosToken: "",
    });
    const result = templateSelfCheck(broken);
    expect(result.ok).to.equal(false);
  });
});
