import { FakeProvider, type FakeReply } from "./fake-provider.js";

/** Near the uint32 maximum of the wire's token counts: "bill me everything you held". */
export const OVERSTATED_TOKENS = 4_000_000_000;

/**
 * What a provider that overbills sends: one 1-token chunk, a first-chunk prompt report and a
 * `Complete` claiming billions of tokens for prompt and completion alike.
 */
export const overbillingReply = (): FakeReply => ({
  pieces: ["one"],
  firstChunkPromptTokens: OVERSTATED_TOKENS,
  usage: { promptTokens: OVERSTATED_TOKENS, completionTokens: OVERSTATED_TOKENS },
});

/**
 * A provider speaking the real protocol (protobuf frames over a real WebSocket, sealed chunks)
 * that lies about usage on every request: for billing attack tests.
 */
export function fakeLyingProvider(url: string, models: readonly string[]): FakeProvider {
  return new FakeProvider({ url, models: [...models], reply: overbillingReply });
}
