import { FakeProvider, type FakeProviderOptions, type FakeReply } from "@darkbloom/testing";
import type { InferenceBody } from "@darkbloom/proto";

/** The provider WebSocket URL of a coordinator's http:// URL. */
export const providerSocketUrl = (coordinatorUrl: string): string =>
  `${coordinatorUrl.replace(/^http/, "ws")}/v1/provider/connect`;

/**
 * A deterministic scripted answer: the same prompt always gets the same pieces (so streamed and
 * non-streamed answers can be compared), `maxTokens` bounds the number of pieces.
 */
export function echoReply(body: InferenceBody): FakeReply {
  const prompt =
    body.input.case === "chat"
      ? body.input.value.messages.map((m) => m.content).join("\n")
      : (body.input.value ?? "");
  const maxTokens = body.sampling?.maxTokens || 8;
  const n = Math.max(1, Math.min(maxTokens, 4 + (prompt.length % 7)));
  return { pieces: Array.from({ length: n }, (_, i) => `w${i} `) };
}

/** N fake providers (real protocol over real sockets) attached to one coordinator. */
export async function startFakeFleet(
  coordinatorUrl: string,
  count: number,
  models: readonly string[],
  reply: (body: InferenceBody) => FakeReply = echoReply,
  /** More fake options, e.g. `followGoAway` for a fleet behind a load balancer. */
  extra: Partial<FakeProviderOptions> = {},
): Promise<FakeProvider[]> {
  const fleet: FakeProvider[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const p = new FakeProvider({
        url: providerSocketUrl(coordinatorUrl),
        models: [...models],
        reply,
        ...extra,
      });
      fleet.push(p);
      await p.connect();
    }
    return fleet;
  } catch (err) {
    await Promise.all(fleet.map((p) => p.close()));
    throw new Error(`fake fleet: ${fleet.length - 1} of ${count} connected`, { cause: err });
  }
}
