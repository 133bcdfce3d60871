// Component schemas of the edge's OpenAPI document (request bodies are validated by the zod
// schemas beside each handler; these describe them for clients).
import { LIMITS } from "../http/input-limits.js";

const logitBias = {
  type: ["object", "null"],
  description:
    "token id -> bias in [-100, 100] added to its logit before sampling; -100 bans the token. " +
    "An id outside the model's vocabulary is a 400.",
  additionalProperties: { type: "number", minimum: -100, maximum: 100 },
  maxProperties: 1024,
};
const tokensOrNull = { type: ["integer", "null"], minimum: 1, maximum: LIMITS.tokens };
const str = { type: "string" };
const int = { type: "integer" };
const num = { type: "number" };
const bool = { type: "boolean" };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const SCHEMAS = {
  ResponseFormat: {
    type: "object",
    required: ["type"],
    description:
      "json_schema: the answer is an instance of `schema` (the subset in docs/api-behaviour.md); " +
      "an unsupported schema is a 400",
    properties: {
      type: { enum: ["text", "json_object", "json_schema"] },
      json_schema: {
        type: "object",
        description:
          "Chat completions: {name, schema, strict}; /v1/responses puts these beside type",
        properties: { name: str, schema: { type: "object" }, strict: bool, description: str },
      },
      name: str,
      schema: { type: "object" },
      strict: bool,
    },
  },
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["message", "type", "param", "code"],
        properties: {
          message: str,
          type: str,
          param: { type: ["string", "null"] },
          code: { type: ["string", "null"] },
        },
      },
    },
  },
  AnthropicError: {
    type: "object",
    properties: {
      type: { const: "error" },
      error: { type: "object", properties: { type: str, message: str } },
    },
  },
  RoutingPreferences: {
    type: "object",
    additionalProperties: false,
    description: "Where the request may run (OpenRouter's `provider` object).",
    properties: {
      sort: { enum: ["price", "throughput", "latency"] },
      max_price: {
        type: "object",
        additionalProperties: false,
        description: "USD per million tokens",
        properties: { prompt: num, completion: num },
      },
      quantizations: { type: "array", items: str },
      min_trust: { enum: ["none", "software", "hardware", "hardware+mda"] },
      allow_fallbacks: bool,
    },
  },
  Models: {
    type: "array",
    items: str,
    maxItems: 16,
    description: "Fallback models tried in order when the requested model has no capacity.",
  },
  ChatMessage: {
    type: "object",
    required: ["role"],
    properties: {
      role: { enum: ["system", "developer", "user", "assistant", "tool"] },
      content: {
        oneOf: [
          str,
          { type: "null" },
          { type: "array", items: { type: "object", properties: { type: str, text: str } } },
        ],
      },
      name: str,
      tool_call_id: str,
      tool_calls: { type: "array", items: ref("ToolCall") },
    },
  },
  ToolCall: {
    type: "object",
    required: ["id", "type", "function"],
    properties: {
      id: str,
      type: { const: "function" },
      function: { type: "object", properties: { name: str, arguments: str } },
    },
  },
  Tool: {
    type: "object",
    required: ["type", "function"],
    properties: {
      type: { const: "function" },
      function: {
        type: "object",
        required: ["name"],
        properties: { name: str, description: str, parameters: { type: "object" } },
      },
    },
  },
  ChatCompletionRequest: {
    type: "object",
    required: ["model", "messages"],
    properties: {
      model: str,
      messages: { type: "array", items: ref("ChatMessage"), minItems: 1 },
      tools: { type: "array", items: ref("Tool") },
      tool_choice: {
        oneOf: [
          { enum: ["none", "auto", "required"] },
          {
            type: "object",
            properties: { type: { const: "function" }, function: { properties: { name: str } } },
          },
        ],
      },
      response_format: ref("ResponseFormat"),
      stop: { oneOf: [str, { type: "array", items: str, maxItems: 4 }, { type: "null" }] },
      temperature: { type: ["number", "null"], minimum: 0, maximum: 2 },
      top_p: { type: ["number", "null"], exclusiveMinimum: 0, maximum: 1 },
      seed: { type: ["integer", "null"], minimum: 0, maximum: LIMITS.seed },
      max_tokens: tokensOrNull,
      max_completion_tokens: tokensOrNull,
      stream: { type: ["boolean", "null"] },
      skip_special_tokens: {
        type: ["boolean", "null"],
        description: "false: special tokens (e.g. <|im_start|>) appear in the text (default true)",
      },
      logit_bias: logitBias,
      stream_options: { type: "object", properties: { include_usage: bool } },
      provider: ref("RoutingPreferences"),
      models: ref("Models"),
    },
  },
  Usage: {
    type: "object",
    properties: {
      prompt_tokens: int,
      completion_tokens: int,
      total_tokens: int,
      cost: { ...num, description: "USD charged (streams: in the final chunk)" },
    },
  },
  ChatCompletion: {
    type: "object",
    properties: {
      id: str,
      object: { const: "chat.completion" },
      created: int,
      model: { ...str, description: "The model that served the request (after fallbacks)" },
      choices: {
        type: "array",
        items: {
          type: "object",
          properties: {
            index: int,
            message: {
              type: "object",
              properties: {
                role: { const: "assistant" },
                content: { type: ["string", "null"] },
                tool_calls: { type: "array", items: ref("ToolCall") },
              },
            },
            finish_reason: { enum: ["stop", "length", "tool_calls"] },
          },
        },
      },
      usage: ref("Usage"),
    },
  },
  CompletionRequest: {
    type: "object",
    required: ["model", "prompt"],
    properties: {
      model: str,
      prompt: { oneOf: [str, { type: "array", items: str }] },
      max_tokens: tokensOrNull,
      seed: { type: ["integer", "null"], minimum: 0, maximum: LIMITS.seed },
      temperature: num,
      stream: bool,
      skip_special_tokens: {
        type: ["boolean", "null"],
        description: "false: special tokens (e.g. <|im_start|>) appear in the text (default true)",
      },
      logit_bias: logitBias,
      provider: ref("RoutingPreferences"),
      models: ref("Models"),
    },
  },
  ResponsesRequest: {
    type: "object",
    required: ["model", "input"],
    properties: {
      model: str,
      input: { oneOf: [str, { type: "array", items: { type: "object" } }] },
      instructions: str,
      max_output_tokens: tokensOrNull,
      tools: { type: "array", items: { type: "object" } },
      text: { type: "object", properties: { format: ref("ResponseFormat") } },
      stream: bool,
      provider: ref("RoutingPreferences"),
      models: ref("Models"),
    },
  },
  MessagesRequest: {
    type: "object",
    required: ["model", "messages", "max_tokens"],
    properties: {
      model: str,
      system: { oneOf: [str, { type: "array", items: { type: "object" } }] },
      messages: { type: "array", items: { type: "object" } },
      max_tokens: { ...int, minimum: 1, maximum: LIMITS.tokens },
      stop_sequences: { type: "array", items: str },
      tools: { type: "array", items: { type: "object" } },
      stream: bool,
      provider: ref("RoutingPreferences"),
      models: ref("Models"),
    },
  },
  Model: {
    type: "object",
    properties: {
      id: str,
      object: { const: "model" },
      created: int,
      owned_by: str,
      name: { ...str, description: "Display name from the model registry (else the id)" },
      description: { ...str, description: "From the model registry (else empty)" },
      published: { ...bool, description: "Whether the model registry lists the model" },
      context_length: {
        ...int,
        description: "From the model registry when published, else as providers report it",
      },
      quantization: str,
      providers: { ...int, description: "Providers serving the model right now" },
      available: { ...bool, description: "At least one provider serves the model right now" },
      pricing: {
        type: ["object", "null"],
        properties: {
          prompt: { ...str, description: "USD per prompt token" },
          completion: { ...str, description: "USD per completion token" },
          prompt_micro_usd_per_million: int,
          completion_micro_usd_per_million: int,
        },
      },
    },
  },
  ModelCapacity: {
    type: "object",
    properties: {
      id: str,
      object: { const: "model.capacity" },
      providers: int,
      warm_slots: int,
      running: int,
      waiting: int,
      queue_depth: int,
      estimated_wait_ms: int,
    },
  },
  NetworkStats: {
    type: "object",
    required: ["object", "generated_at", "providers_online", "trust_levels", "models"],
    properties: {
      object: { const: "network.stats" },
      generated_at: { ...int, description: "When the figures were computed (unix seconds)" },
      providers_online: int,
      trust_levels: {
        type: "object",
        description: "Providers online per trust level",
        properties: { none: int, software: int, hardware: int, hardware_mda: int },
      },
      models: {
        type: "array",
        description: "Models served right now, most providers first",
        items: {
          type: "object",
          properties: {
            id: str,
            providers: int,
            warm_slots: int,
            running: int,
            waiting: int,
            estimated_wait_ms: int,
          },
        },
      },
      tokens_served_today: {
        type: ["object", "null"],
        description: "Tokens settled since 00:00 UTC (null without a ledger)",
        properties: { prompt: int, completion: int, total: int, since: int },
      },
    },
  },
} as const;
