import { expect } from "chai";
import { ToolCallParser, type ParsedPiece } from "./parser.js";

function run(pieces: string[]): ParsedPiece {
  const p = new ToolCallParser();
  const all: ParsedPiece = { text: "", toolCalls: [] };
  for (const piece of [...pieces.map((t) => p.push(t)), p.end()]) {
    all.text += piece.text;
    all.toolCalls.push(...piece.toolCalls);
  }
  return all;
}

describe("ToolCallParser", () => {
  const call = '<tool_call>\n{"name": "get_weather", "arguments": {"city":"Oslo"}}\n</tool_call>';

  it("turns a Hermes tool call split across many deltas into one call with JSON arguments", () => {
    const out = run(Array.from(`Let me check.${call}`));
    expect(out.text).to.equal("Let me check.");
    expect(out.toolCalls).to.have.length(1);
    expect(out.toolCalls[0]).to.include({ index: 0, name: "get_weather" });
    expect(JSON.parse(out.toolCalls[0]?.argumentsDelta ?? "")).to.deep.equal({ city: "Oslo" });
    expect(out.toolCalls[0]?.id).to.match(/^call_/);
  });

  it("numbers several calls by index", () => {
    const out = run([call, "\n", call.replace("Oslo", "Rome")]);
    expect(out.toolCalls.map((c) => c.index)).to.deep.equal([0, 1]);
    expect(out.text).to.equal("\n");
  });

  it("passes text that only looks like the start of a call through unchanged", () => {
    expect(run(["a <tool", "_ca", "x b <"]).text).to.equal("a <tool_cax b <");
  });

  it("passes a malformed or unfinished call on as text", () => {
    const bad = "<tool_call>{not json}</tool_call>";
    expect(run([bad])).to.deep.equal({ text: bad, toolCalls: [] });
    expect(run(['<tool_call>{"na'])).to.deep.equal({ text: '<tool_call>{"na', toolCalls: [] });
  });
});
