// The engine's public surface.
export type {
  FinishReason,
  GenerationDelta,
  GenerationResult,
  ModelEngine,
  SlotSnapshot,
} from "./types.js";
export { EngineError, type EngineErrorCode } from "./errors.js";
export { loadModel, type LoadModelOptions } from "./load-model.js";
export { MlxEngine } from "./mlx-engine.js";
export { ChatTemplate } from "./chat-template/chat-template.js";
export { templateSelfCheck, type SelfCheckResult } from "./chat-template/template-self-check.js";
export { Tokenizer } from "./tokenizer/tokenizer.js";
export { parseLlamaConfig, type LlamaConfig } from "./model/model-config.js";
