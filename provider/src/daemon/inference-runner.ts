import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { CryptoError, boxBeforenm, openWithSharedKey, sealWithSharedKey } from "@darkbloom/crypto";
import {
  ChunkPayloadSchema,
  FinishReason,
  InferenceBodySchema,
  ProviderFrameSchema,
  type InferenceBody,
  type InferenceRequest,
  type ProviderFrame,
} from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import { EngineError, type EngineErrorCode } from "../engine/errors.js";
import { ToolCallParser, type ParsedPiece } from "../engine/constrained/tool-calls/parser.js";
import type { FinishReason as EngineFinish, ModelEngine } from "../engine/types.js";

export interface RunnerDeps {
  engines: ReadonlyMap<string, ModelEngine>;
  secretKey: Uint8Array;
  send(frame: ProviderFrame): Promise<void>;
  /** The request is over (answered, failed or cancelled). */
  onFinished?(requestId: string): void;
  log: Logger;
}

export interface RunnerCounters {
  served: number;
  failed: number;
  tokens: number;
}

type FrameInit = MessageInitShape<typeof ProviderFrameSchema>["kind"];
const frame = (kind: FrameInit): ProviderFrame => create(ProviderFrameSchema, { kind });

const FINISH: Record<EngineFinish, FinishReason> = {
  stop: FinishReason.STOP,
  length: FinishReason.LENGTH,
  cancelled: FinishReason.CANCELLED,
};

const ENGINE_STATUS: Record<EngineErrorCode, number> = {
  invalid_input: 400,
  context_overflow: 422,
  unsupported_model: 404,
  load_failed: 503,
  closed: 503,
};

/** Runs inference requests from the coordinator: open the sealed body, generate, seal each chunk back. */
export class InferenceRunner {
  private readonly running = new Map<string, AbortController>();
  readonly counters: RunnerCounters = { served: 0, failed: 0, tokens: 0 };

  constructor(private readonly deps: RunnerDeps) {}

  get inFlight(): number {
    return this.running.size;
  }

  start(request: InferenceRequest): void {
    if (this.running.has(request.requestId)) return;
    const abort = new AbortController();
    this.running.set(request.requestId, abort);
    this.run(request, abort.signal)
      .catch((err: unknown) =>
        this.deps.log.error("inference runner failed", {
          requestId: request.requestId,
          error: String(err),
        }),
      )
      .finally(() => {
        this.running.delete(request.requestId);
        this.deps.onFinished?.(request.requestId);
      });
  }

  cancel(requestId: string): void {
    this.running.get(requestId)?.abort();
  }

  cancelAll(): void {
    for (const a of this.running.values()) a.abort();
  }

  private async run(request: InferenceRequest, signal: AbortSignal): Promise<void> {
    const { requestId } = request;
    const fail = async (
      statusCode: number,
      message: string,
      completionTokens = 0,
      promptTokens = 0,
    ): Promise<void> => {
      this.counters.failed++;
      await this.deps
        .send(
          frame({
            case: "inferenceError",
            value: { requestId, statusCode, message, usage: { promptTokens, completionTokens } },
          }),
        )
        .catch(() => undefined);
    };

    let sharedKey: Uint8Array;
    let body: InferenceBody;
    try {
      sharedKey = boxBeforenm(request.senderPublicKey, this.deps.secretKey);
      body = fromBinary(InferenceBodySchema, openWithSharedKey(sharedKey, request.encryptedBody));
    } catch (err) {
      return fail(
        400,
        err instanceof CryptoError
          ? `request body could not be opened: ${err.code}`
          : "request body is not a valid InferenceBody",
      );
    }
    try {
      const model = request.metadata?.model ?? "";
      if (body.model !== model)
        return await fail(400, "the sealed body names a different model than the routing metadata");
      const engine = this.deps.engines.get(model);
      if (!engine) return await fail(404, `model ${model} is not loaded on this provider`);

      let sequence = 0;
      let delivered = 0;
      let pending: Promise<void> = Promise.resolve();
      // Tool calls are parsed out of the text only when the request offers tools.
      const toolCalls =
        body.input.case === "chat" && body.input.value.tools.length > 0
          ? new ToolCallParser()
          : undefined;
      let promptTokens = 0;
      const emit = (piece: ParsedPiece, tokenCount: number, stopSequence = ""): void => {
        const payload = toBinary(
          ChunkPayloadSchema,
          create(ChunkPayloadSchema, {
            text: piece.text,
            tokenCount,
            toolCalls: piece.toolCalls,
            // The first chunk tells the edge the prompt's size before generation ends.
            promptTokens: sequence === 0 ? promptTokens : 0,
            stopSequence,
          }),
        );
        const chunk = frame({
          case: "chunk",
          value: {
            requestId,
            sequence: sequence++,
            encryptedPayload: sealWithSharedKey(sharedKey, payload),
            tokenCount,
          },
        });
        pending = this.deps.send(chunk);
        // A chunk lost with the connection must not crash the daemon (unhandled rejection): only
        // the last send is awaited below, and a dropped connection cancels the run anyway.
        pending.catch(() => undefined);
      };
      try {
        // Sent once the engine has queued the sequence, so every heartbeat the coordinator
        // receives after this frame counts the request in its slot figures (admission relies on
        // that), and before the first chunk, which generate() may already emit while queuing.
        let accepted = false;
        const accept = (): void => {
          if (accepted) return;
          accepted = true;
          this.deps
            .send(frame({ case: "inferenceAccepted", value: { requestId } }))
            .catch(() => undefined);
        };
        const generation = engine.generate(
          body,
          (delta) => {
            accept();
            delivered += delta.tokenCount;
            promptTokens = delta.promptTokens ?? promptTokens;
            const piece = toolCalls?.push(delta.text) ?? { text: delta.text, toolCalls: [] };
            emit(piece, delta.tokenCount);
          },
          signal,
        );
        accept();
        const result = await generation;
        const tail = toolCalls?.end();
        if (tail?.text) emit(tail, 0);
        // Which stop string ended generation travels sealed, in a last text-less chunk.
        if (result.stopSequence) emit({ text: "", toolCalls: [] }, 0, result.stopSequence);
        await pending;
        if (result.finishReason === "cancelled") return;
        this.counters.served++;
        this.counters.tokens += result.completionTokens;
        await this.deps.send(
          frame({
            case: "complete",
            value: {
              requestId,
              usage: {
                promptTokens: result.promptTokens,
                completionTokens: result.completionTokens,
              },
              finishReason:
                result.finishReason === "stop" && (toolCalls?.calls ?? 0) > 0
                  ? FinishReason.TOOL_CALLS
                  : FINISH[result.finishReason],
            },
          }),
        );
      } catch (err) {
        if (err instanceof EngineError)
          return await fail(ENGINE_STATUS[err.code], err.message, delivered);
        this.deps.log.error("generation failed", {
          requestId,
          error: err instanceof Error ? err.message : String(err),
        });
        return await fail(500, "generation failed on the provider", delivered);
      }
    } finally {
      sharedKey.fill(0);
    }
  }
}
