// Messages between the daemon's thread and the engine thread (engine-worker.ts). Bodies travel
// as protobuf bytes; everything else is structured-clone data.
import type { EngineErrorCode, LoadModelOptions } from "../engine/index.js";
import type { SelfCheckResult } from "../engine/chat-template/template-self-check.js";
import type { GenerationDelta, GenerationResult, SlotSnapshot } from "../engine/types.js";

export interface EngineWorkerData {
  dir: string;
  options: LoadModelOptions;
  /** The MLX native binary the daemon chose (Metal build); undefined: the packaged one. */
  mlxBinary: string | undefined;
}

export type ToEngine =
  | { type: "generate"; id: number; body: Uint8Array }
  | { type: "cancel"; id: number }
  | { type: "close" };

/** What the daemon's side mirrors synchronously (capacity() and prefilledTokens). */
export interface EngineState {
  capacity: SlotSnapshot;
  prefilledTokens: number;
  /** The last generate message this snapshot includes (later ones are not counted yet). */
  lastGenerateId: number;
}

export interface WireError {
  code: EngineErrorCode | undefined;
  message: string;
}

export type FromEngine =
  | {
      type: "loaded";
      modelId: string;
      contextLength: number;
      kvBytesPerToken: number;
      selfCheck: SelfCheckResult;
    }
  | { type: "load-failed"; error: WireError }
  | { type: "delta"; id: number; delta: GenerationDelta }
  | { type: "done"; id: number; result: GenerationResult }
  | { type: "failed"; id: number; error: WireError }
  | { type: "state"; state: EngineState }
  | { type: "closed" };
