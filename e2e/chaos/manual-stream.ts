import { create, toBinary } from "@bufbuild/protobuf";
import { boxBeforenm, sealWithSharedKey } from "@darkbloom/crypto";
import { ChunkPayloadSchema, FinishReason, type InferenceRequest } from "@darkbloom/proto";
import type { FakeProvider } from "@darkbloom/testing";

/**
 * Drives a FakeProvider's answers by hand (create it with `reply: () => ({pieces: [], complete:
 * false})`): the test decides when each chunk and the completion go out, so a chaos step can
 * happen at an exact point of a stream.
 */
export class ManualStream {
  private sequence = 0;

  private constructor(
    private readonly fake: FakeProvider,
    readonly request: InferenceRequest,
    private readonly key: Uint8Array,
  ) {}

  /** Waits for the fake's next inference request not yet taken by another ManualStream. */
  static async next(
    fake: FakeProvider,
    taken: Set<string>,
    timeoutMs = 10_000,
  ): Promise<ManualStream> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      for (const f of fake.received) {
        if (f.kind.case !== "inferenceRequest" || taken.has(f.kind.value.requestId)) continue;
        taken.add(f.kind.value.requestId);
        const key = boxBeforenm(f.kind.value.senderPublicKey, fake.keys.secretKey);
        return new ManualStream(fake, f.kind.value, key);
      }
      if (Date.now() > until) throw new Error(`no inference request within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  chunk(text: string): void {
    const payload = toBinary(
      ChunkPayloadSchema,
      create(ChunkPayloadSchema, { text, tokenCount: 1 }),
    );
    this.fake.send({
      case: "chunk",
      value: {
        requestId: this.request.requestId,
        sequence: this.sequence++,
        encryptedPayload: sealWithSharedKey(this.key, payload),
        tokenCount: 1,
      },
    });
  }

  complete(promptTokens = 3): void {
    this.fake.send({
      case: "complete",
      value: {
        requestId: this.request.requestId,
        usage: { promptTokens, completionTokens: this.sequence },
        finishReason: FinishReason.STOP,
      },
    });
  }
}

/** Keeps fakes alive past the coordinator's liveness timeout by sending empty heartbeats. */
export function pumpHeartbeats(fakes: readonly FakeProvider[], everyMs: number): () => void {
  const timer = setInterval(() => {
    for (const f of fakes) f.send({ case: "heartbeat", value: {} });
  }, everyMs);
  return () => clearInterval(timer);
}
