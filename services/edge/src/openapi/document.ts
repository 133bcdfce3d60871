// The edge's OpenAPI 3.1 document: served at GET /openapi.json and kept in docs/openapi.json
// (`npx tsx services/edge/src/openapi/write-openapi.ts` rewrites it; a test keeps them equal).
import { SCHEMAS } from "./schemas.js";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ "application/json": { schema } });
const errors = (codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [String(c), { $ref: `#/components/responses/Error` }] as const),
  );

const RESPONSE_HEADERS = {
  "x-request-id": { schema: { type: "string" }, description: "Echoed or generated request id" },
  "x-darkbloom-generation-id": {
    schema: { type: "string" },
    description: "Id of this generation (also the response object's id)",
  },
  "x-darkbloom-provider": { schema: { type: "string" }, description: "Provider pseudonym" },
  "x-darkbloom-trust-level": { schema: { type: "string" } },
  "x-darkbloom-key-fingerprint": { schema: { type: "string" } },
  "x-timing": {
    schema: { type: "string" },
    description:
      "Latency decomposition like Server-Timing: auth, reserve, dispatch, ttft, generation, total (ms). Streams send it as a final `: x-timing` SSE comment.",
  },
};

function inference(summary: string, request: string, response: object, tag: string) {
  return {
    post: {
      summary,
      tags: [tag],
      requestBody: { required: true, content: json(ref(request)) },
      responses: {
        "200": {
          description:
            "The result; with `stream: true` a text/event-stream whose last chunk carries usage",
          headers: RESPONSE_HEADERS,
          content: { ...json(response), "text/event-stream": { schema: { type: "string" } } },
        },
        ...errors([400, 401, 402, 403, 404, 413, 429, 499, 500, 502, 503]),
      },
    },
  };
}

function get(summary: string, schema: object, auth = true) {
  return {
    get: {
      summary,
      ...(auth ? {} : { security: [] }),
      responses: {
        "200": { description: "OK", content: json(schema) },
        ...(auth ? errors([401]) : {}),
      },
    },
  };
}

const list = (item: string) => ({
  type: "object",
  properties: { object: { const: "list" }, data: { type: "array", items: ref(item) } },
});

export const OPENAPI_DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "Darkbloom edge API",
    version: "1.0.0",
    description:
      "OpenAI- and Anthropic-compatible inference API of a Darkbloom coordinator. Behaviour notes: docs/api-behaviour.md.",
  },
  servers: [{ url: "http://127.0.0.1:8080" }],
  security: [{ bearer: [] }, { apiKey: [] }],
  paths: {
    "/health": get(
      "Liveness",
      { type: "object", properties: { status: { type: "string" } } },
      false,
    ),
    "/openapi.json": get("This document", { type: "object" }, false),
    "/v1/models": get("Models served right now, with pricing and availability", list("Model")),
    "/v1/models/capacity": get("Per-model capacity", list("ModelCapacity")),
    "/v1/stats": get(
      "Public network stats (cached a few seconds; totals only, no identities)",
      ref("NetworkStats"),
      false,
    ),
    "/v1/chat/completions": inference(
      "Chat completion (OpenAI)",
      "ChatCompletionRequest",
      ref("ChatCompletion"),
      "openai",
    ),
    "/v1/completions": inference(
      "Legacy prompt completion (OpenAI)",
      "CompletionRequest",
      { type: "object" },
      "openai",
    ),
    "/v1/responses": inference(
      "Responses API (OpenAI)",
      "ResponsesRequest",
      { type: "object" },
      "openai",
    ),
    "/v1/messages": inference(
      "Messages API (Anthropic); errors use the Anthropic shape",
      "MessagesRequest",
      { type: "object" },
      "anthropic",
    ),
    "/v1/sealed/provider-keys": get("Attested provider keys for sealed mode", { type: "object" }),
    "/v1/sealed/reserve": {
      post: {
        summary: "Reserve a provider for a sealed (end-to-end encrypted) request",
        tags: ["sealed"],
        requestBody: { content: json({ type: "object" }) },
        responses: {
          "200": { description: "OK", content: json({ type: "object" }) },
          ...errors([400, 401, 404, 503]),
        },
      },
    },
    "/v1/sealed/completions": {
      post: {
        summary: "Submit a sealed request; the response is sealed to the client's key",
        tags: ["sealed"],
        requestBody: { content: json({ type: "object" }) },
        responses: {
          "200": { description: "OK", content: json({ type: "object" }) },
          ...errors([400, 401, 402, 404, 503]),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: "http", scheme: "bearer" },
      apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
    },
    responses: {
      Error: {
        description: "An OpenAI-shaped error (Anthropic-shaped on /v1/messages)",
        content: json({ oneOf: [ref("Error"), ref("AnthropicError")] }),
      },
    },
    schemas: SCHEMAS,
  },
} as const;
