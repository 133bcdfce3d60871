// The real chat templates (tokenizer_config.json of Llama 3, Llama 3.1, Qwen3, Gemma 3) rendered by
// our ChatTemplate; the expected strings are the prompt formats the model cards document.
import { create } from "@bufbuild/protobuf";
import { ChatInputSchema, type ChatInput } from "@darkbloom/proto";
import { expect } from "chai";
import { ChatTemplate } from "./chat-template.js";
import { readRealTokenizerConfig, type RealTokenizerName } from "../tokenizer/real-tokenizers.js";

function realTemplate(name: RealTokenizerName): ChatTemplate {
  const cfg = readRealTokenizerConfig(name);
  if (typeof cfg.chat_template !== "string") throw new Error(`${name} has no chat template`);
  return new ChatTemplate(cfg.chat_template, {
    bosToken: cfg.bos_token ?? "",
    eosToken: cfg.eos_token ?? "",
  });
}

const chat = (init: Parameters<typeof create<typeof ChatInputSchema>>[1]): ChatInput =>
  create(ChatInputSchema, init);

const weatherTool = {
  name: "get_current_temperature",
  description: "Get current temperature at a location.",
  parametersJson: JSON.stringify({
    type: "object",
    properties: { location: { type: "string", description: "City, State, Country" } },
    required: ["location"],
  }),
};

describe("real chat templates", () => {
  describe("Llama 3 (Meta-Llama-3-8B-Instruct)", () => {
    it("renders <|begin_of_text|>, role headers, <|eot_id|> and the assistant header", () => {
      const out = realTemplate("llama3").render(
        chat({
          messages: [
            { role: "system", content: "You are a helpful assistant." },
            { role: "user", content: "What is the capital of France?" },
            { role: "assistant", content: "Paris." },
            { role: "user", content: "And of Italy?" },
          ],
        }),
      );
      expect(out).to.equal(
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" +
          "You are a helpful assistant.<|eot_id|>" +
          "<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>" +
          "<|start_header_id|>assistant<|end_header_id|>\n\nParis.<|eot_id|>" +
          "<|start_header_id|>user<|end_header_id|>\n\nAnd of Italy?<|eot_id|>" +
          "<|start_header_id|>assistant<|end_header_id|>\n\n",
      );
    });

    it("trims message content as the template does", () => {
      const out = realTemplate("llama3").render(
        chat({ messages: [{ role: "user", content: "  padded \n" }] }),
      );
      expect(out).to.equal(
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\npadded<|eot_id|>" +
          "<|start_header_id|>assistant<|end_header_id|>\n\n",
      );
    });
  });

  describe("Llama 3.1 (the template the @lenml package ships)", () => {
    it("renders the Llama 3 header format with the generation prompt", () => {
      const out = realTemplate("llama3_1").render(
        chat({ messages: [{ role: "user", content: "Hello" }] }),
      );
      expect(out).to.equal(
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>" +
          "<|start_header_id|>assistant<|end_header_id|>\n\n",
      );
    });
  });

  describe("Qwen3", () => {
    const conversation = chat({
      messages: [
        { role: "system", content: "You are Qwen." },
        { role: "user", content: "Give me a short introduction to large language models." },
      ],
    });
    const prefix =
      "<|im_start|>system\nYou are Qwen.<|im_end|>\n" +
      "<|im_start|>user\nGive me a short introduction to large language models.<|im_end|>\n" +
      "<|im_start|>assistant\n";

    it("with thinking (the default) ends at the assistant header so the model opens <think>", () => {
      expect(realTemplate("qwen3").render(conversation)).to.equal(prefix);
      expect(realTemplate("qwen3").render(conversation, { enableThinking: true })).to.equal(prefix);
    });

    it("with enable_thinking false adds the empty think block", () => {
      expect(realTemplate("qwen3").render(conversation, { enableThinking: false })).to.equal(
        `${prefix}<think>\n\n</think>\n\n`,
      );
    });

    it("drops the reasoning of earlier assistant turns", () => {
      const out = realTemplate("qwen3").render(
        chat({
          messages: [
            { role: "user", content: "2+2?" },
            { role: "assistant", content: "<think>\nadd them\n</think>\n\n4" },
            { role: "user", content: "3+3?" },
          ],
        }),
      );
      expect(out).to.equal(
        "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n" +
          "<|im_start|>user\n3+3?<|im_end|>\n<|im_start|>assistant\n",
      );
    });

    it("lists tools in the system turn and renders tool calls and tool results", () => {
      const out = realTemplate("qwen3").render(
        chat({
          tools: [weatherTool],
          messages: [
            { role: "system", content: "You are Qwen." },
            { role: "user", content: "What's the temperature in San Francisco now?" },
            {
              role: "assistant",
              content: "",
              toolCalls: [
                {
                  id: "call_1",
                  name: "get_current_temperature",
                  argumentsJson: '{"location": "San Francisco, CA, USA"}',
                },
              ],
            },
            {
              role: "tool",
              toolCallId: "call_1",
              content: '{"temperature": 26.1, "unit": "celsius"}',
            },
          ],
        }),
      );
      expect(out).to.equal(
        "<|im_start|>system\nYou are Qwen.\n\n# Tools\n\n" +
          "You may call one or more functions to assist with the user query.\n\n" +
          "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
          '{"type": "function", "function": {"name": "get_current_temperature", ' +
          '"description": "Get current temperature at a location.", "parameters": {"type": "object", ' +
          '"properties": {"location": {"type": "string", "description": "City, State, Country"}}, ' +
          '"required": ["location"]}}}\n</tools>\n\n' +
          "For each function call, return a json object with function name and arguments within " +
          "<tool_call></tool_call> XML tags:\n<tool_call>\n" +
          '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
          "<|im_start|>user\nWhat's the temperature in San Francisco now?<|im_end|>\n" +
          '<|im_start|>assistant\n<tool_call>\n{"name": "get_current_temperature", ' +
          '"arguments": {"location": "San Francisco, CA, USA"}}\n</tool_call><|im_end|>\n' +
          '<|im_start|>user\n<tool_response>\n{"temperature": 26.1, "unit": "celsius"}\n' +
          "</tool_response><|im_end|>\n<|im_start|>assistant\n",
      );
    });
  });

  describe("Gemma 3", () => {
    it("folds the system message into the first user turn and names the assistant model", () => {
      const out = realTemplate("gemma3").render(
        chat({
          messages: [
            { role: "system", content: "You are helpful." },
            { role: "user", content: "Hi" },
            { role: "assistant", content: "Hello!" },
            { role: "user", content: "Bye" },
          ],
        }),
      );
      expect(out).to.equal(
        "<bos><start_of_turn>user\nYou are helpful.\n\nHi<end_of_turn>\n" +
          "<start_of_turn>model\nHello!<end_of_turn>\n" +
          "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n",
      );
    });
  });
});
