import { FinishReason, TrustLevel } from "@darkbloom/proto";
import { expect } from "chai";
import { TOOL_CALL_RUN, done, text } from "../../core/testing/synthetic-events.js";
import { collectOutput } from "../../core/collect-output.js";
import { chatCompletionBody } from "./response.js";

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

const meta = { id: "chatcmpl-abc", createdUnix: 1_700_000_000, model: "tiny-llama" };

describe("collectOutput + chatCompletionBody", () => {
  it("merges tool-call deltas by index into complete calls", async () => {
    const out = await collectOutput(from(TOOL_CALL_RUN));
    expect(out.text).to.equal("Let me check. ");
    expect(out.toolCalls).to.deep.equal([
      { index: 0, id: "call_a", name: "get_weather", argumentsJson: '{"city":"Paris"}' },
      { index: 1, id: "call_b", name: "get_weather", argumentsJson: '{"city":"Rome"}' },
    ]);
    const body = chatCompletionBody(meta, out);
    expect(body.choices[0]?.finish_reason).to.equal("tool_calls");
    expect(body.choices[0]?.message.tool_calls?.[1]).to.deep.equal({
      id: "call_b",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Rome"}' },
    });
  });

  it("answers a plain completion without tool_calls and with usage totals", async () => {
    const body = chatCompletionBody(
      meta,
      await collectOutput(from([text("hi"), done(FinishReason.LENGTH, 3, 1)])),
    );
    expect(body.choices[0]?.message).to.not.have.property("tool_calls");
    expect(body.choices[0]?.finish_reason).to.equal("length");
    expect(body.usage).to.deep.equal({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
  });

  it("reports the provider that finally served when a failover re-started the request", async () => {
    const started = (providerId: string) => ({
      type: "started" as const,
      providerId,
      providerAccountId: "",
      trustLevel: TrustLevel.SOFTWARE,
      keyFingerprint: `fp-${providerId}`,
    });
    const out = await collectOutput(
      from([started("second"), text("hi"), done(FinishReason.STOP, 3, 1)]),
    );
    expect(out.servedBy?.providerId).to.equal("second");
    expect(out.servedBy?.keyFingerprint).to.equal("fp-second");
  });
});
