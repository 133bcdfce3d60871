import { FinishReason } from "@darkbloom/proto";
import { expect } from "chai";
import { ChatCompletionStream } from "openai/lib/ChatCompletionStream";
import { translateAll } from "../../core/stream-translator.js";
import type { DeltaEvent } from "../../core/stream-translator.js";
import {
  TOOL_CALL_RUN,
  done,
  replay,
  text,
  toolDelta,
} from "../../core/testing/synthetic-events.js";
import { ChatStreamTranslator } from "./stream.js";
import { openAiFinishReason } from "../../core/openai-shared/finish-reason.js";

const meta = { id: "chatcmpl-abc", createdUnix: 1_700_000_000, model: "tiny-llama" };

describe("ChatStreamTranslator", () => {
  it("streams tool_calls deltas with indices that the openai client assembles into calls", async () => {
    const events = translateAll(new ChatStreamTranslator(meta, true), TOOL_CALL_RUN);
    const final = await ChatCompletionStream.fromReadableStream(
      replay(events),
    ).finalChatCompletion();
    const choice = final.choices[0];
    expect(choice?.finish_reason).to.equal("tool_calls");
    expect(choice?.message.content).to.equal("Let me check. ");
    expect(choice?.message.tool_calls).to.deep.equal([
      {
        id: "call_a",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      },
      {
        id: "call_b",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Rome"}' },
      },
    ]);
  });

  it("sends id, type and name only on a call's first delta", () => {
    const events = translateAll(new ChatStreamTranslator(meta, true), TOOL_CALL_RUN);
    const calls = events.flatMap(
      (e) =>
        (e.data as { choices: Array<{ delta: { tool_calls?: Array<Record<string, unknown>> } }> })
          .choices[0]?.delta.tool_calls ?? [],
    );
    expect(calls.map((c) => "id" in c)).to.deep.equal([true, false, true]);
  });

  it("puts usage in a choices-less last chunk with include_usage, else on the finish chunk", () => {
    const run = [text("hi"), done(FinishReason.STOP, 4, 1)];
    const asked = translateAll(new ChatStreamTranslator(meta, true), run);
    expect(asked.at(-1)?.data).to.deep.include({
      choices: [],
      usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 },
    });
    const unasked = translateAll(new ChatStreamTranslator(meta, false), run).at(-1)?.data as {
      choices: Array<{ finish_reason: string }>;
      usage: unknown;
    };
    expect(unasked.choices[0]?.finish_reason).to.equal("stop");
    expect(unasked.usage).to.deep.equal({
      prompt_tokens: 4,
      completion_tokens: 1,
      total_tokens: 5,
    });
  });

  it("writes a text chunk's JSON from its template exactly as JSON.stringify writes the chunk", () => {
    const texts = [
      "hi",
      'quote " back\\slash',
      "line\nbreak\t\u0000\u001f",
      "é 你好 🎉",
      "\ud800 lone",
      "",
    ];
    const metas = [meta, { id: 'chat"\u0000id', createdUnix: 0, model: 'm\u0000"\u2028' }];
    for (const m of metas) {
      const translator = new ChatStreamTranslator(m, true);
      for (const t of texts) {
        const events = translator.delta(text(t) as DeltaEvent);
        if (!t) {
          expect(events).to.deep.equal([]);
          continue;
        }
        expect(events).to.have.length(1);
        const chunk = {
          id: m.id,
          object: "chat.completion.chunk",
          created: m.createdUnix,
          model: m.model,
          system_fingerprint: null,
          choices: [{ index: 0, delta: { content: t }, logprobs: null, finish_reason: null }],
        };
        expect(events[0]?.json).to.equal(JSON.stringify(chunk));
        expect(events[0]?.data).to.deep.equal(chunk);
      }
      // a tool-call delta has no template: the writer serialises its data
      const [call] = translator.delta(toolDelta(0, "{}", "call_a", "f") as DeltaEvent);
      expect(call?.json).to.equal(undefined);
    }
  });

  it("maps every finish reason to stop, length or tool_calls", () => {
    expect(openAiFinishReason(FinishReason.STOP)).to.equal("stop");
    expect(openAiFinishReason(FinishReason.LENGTH)).to.equal("length");
    expect(openAiFinishReason(FinishReason.TOOL_CALLS)).to.equal("tool_calls");
    expect(openAiFinishReason(FinishReason.CANCELLED)).to.equal("stop");
  });
});
