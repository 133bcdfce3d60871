import { FinishReason, TrustLevel } from "@darkbloom/proto";
import { expect } from "chai";
import { done, text } from "../../core/testing/synthetic-events.js";
import type { InferenceEvent } from "../../core/inference-events.js";
import { translateAll } from "../../core/stream-translator.js";
import { EdgeError } from "../../errors/edge-error.js";
import { SealedStreamTranslator } from "./sealed-stream.js";

const sealedChunk = (sequence: number, tokens: number, payload: number[]): InferenceEvent => ({
  type: "delta",
  text: "",
  tokens,
  toolCalls: [],
  promptTokens: 0,
  sealed: { sequence, payload: Uint8Array.from(payload) },
});

describe("SealedStreamTranslator", () => {
  const served = {
    providerId: "prov-1",
    trustLevel: TrustLevel.UNSPECIFIED,
    keyFingerprint: "",
  };

  it("opens with the serving provider, relays each chunk still sealed, and completes with usage", () => {
    const t = new SealedStreamTranslator();
    const out = [
      ...t.start(served),
      ...translateAll(t, [
        sealedChunk(0, 2, [1, 2, 3]),
        sealedChunk(1, 0, [4]),
        done(FinishReason.LENGTH, 40, 2),
      ]).slice(1),
    ];
    expect(out.map((e) => e.data)).to.deep.equal([
      { type: "started", provider_id: "prov-1" },
      { type: "chunk", sequence: 0, tokens: 2, sealed: "AQID" },
      { type: "chunk", sequence: 1, tokens: 0, sealed: "BA==" },
      {
        type: "complete",
        usage: { prompt_tokens: 40, completion_tokens: 2 },
        finish_reason: "length",
      },
    ]);
    expect(t.doneSentinel).to.equal(true);
  });

  it("never writes a plaintext delta (the edge has none in sealed mode)", () => {
    const plain = text("plain");
    expect(plain.type === "delta" && new SealedStreamTranslator().delta(plain)).to.deep.equal([]);
  });

  it("ends a failed stream with an OpenAI-style error event", () => {
    const err = new EdgeError(502, "server_error", "provider_error", "provider went away");
    expect(new SealedStreamTranslator().error(err).map((e) => e.data)).to.deep.equal([
      {
        type: "error",
        error: {
          message: "provider went away",
          type: "server_error",
          param: null,
          code: "provider_error",
        },
      },
    ]);
  });
});
