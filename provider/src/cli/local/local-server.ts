import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { readBody } from "@darkbloom/http-body";
import { HttpError, openAiErrorBody } from "@darkbloom/http-errors";
import { EngineError, type ModelEngine } from "../../engine/index.js";
import { parseChatRequest } from "./chat-request.js";

const MAX_BODY_BYTES = 4 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, message: string, code: string): void {
  sendJson(res, status, {
    error: {
      message,
      type: status >= 500 ? "server_error" : "invalid_request_error",
      param: null,
      code,
    },
  });
}

/** The body (the one reader of @darkbloom/http-body: over the limit, a 413) as JSON. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES);
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (cause) {
    throw new EngineError("invalid_input", "request body is not JSON", { cause });
  }
}

/**
 * `darkbloom local`: an OpenAI-compatible API (GET /v1/models, POST /v1/chat/completions,
 * streaming or not) on localhost over the same engines; no coordinator, no network, no keys.
 */
export class LocalServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly engines: ReadonlyMap<string, ModelEngine>,
    private readonly defaultMaxTokens: number,
  ) {
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((err: unknown) => {
        if (res.headersSent) return void res.end();
        if (err instanceof HttpError) return sendJson(res, err.status, openAiErrorBody(err));
        if (err instanceof EngineError)
          return sendError(res, err.code === "closed" ? 503 : 400, err.message, err.code);
        sendError(res, 500, "generation failed", "internal_error");
      });
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.once("close", () => this.sockets.delete(s));
    });
  }

  async listen(port: number, host = "127.0.0.1"): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, resolve);
    });
    return `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://local").pathname;
    if (req.method === "GET" && path === "/v1/models")
      return sendJson(res, 200, {
        object: "list",
        data: [...this.engines.keys()].map((id) => ({
          id,
          object: "model",
          created: 0,
          owned_by: "local",
        })),
      });
    if (req.method !== "POST" || path !== "/v1/chat/completions")
      return sendError(res, 404, `Unknown request URL: ${req.method ?? ""} ${path}`, "unknown_url");
    const parsed = parseChatRequest(await readJson(req), this.defaultMaxTokens);
    if (typeof parsed === "string") return sendError(res, 400, parsed, "invalid_request");
    const engine = this.engines.get(parsed.body.model);
    if (!engine)
      return sendError(
        res,
        404,
        `The model '${parsed.body.model}' does not exist`,
        "model_not_found",
      );
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const base = { id, created, model: engine.modelId };
    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    if (!parsed.stream) {
      let text = "";
      const r = await engine.generate(parsed.body, (d) => (text += d.text), abort.signal);
      return sendJson(res, 200, {
        ...base,
        object: "chat.completion",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: text },
            finish_reason: r.finishReason,
            logprobs: null,
          },
        ],
        usage: {
          prompt_tokens: r.promptTokens,
          completion_tokens: r.completionTokens,
          total_tokens: r.promptTokens + r.completionTokens,
        },
      });
    }
    const event = (choices: unknown[], extra: Record<string, unknown> = {}): void => {
      res.write(
        `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices, ...extra })}\n\n`,
      );
    };
    let started = false;
    const start = (): void => {
      if (started) return;
      started = true;
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      event([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
    };
    const r = await engine.generate(
      parsed.body,
      (d) => {
        start();
        if (d.text) event([{ index: 0, delta: { content: d.text }, finish_reason: null }]);
      },
      abort.signal,
    );
    start();
    event(
      [
        {
          index: 0,
          delta: {},
          finish_reason: r.finishReason === "cancelled" ? "stop" : r.finishReason,
        },
      ],
      {
        usage: {
          prompt_tokens: r.promptTokens,
          completion_tokens: r.completionTokens,
          total_tokens: r.promptTokens + r.completionTokens,
        },
      },
    );
    res.end("data: [DONE]\n\n");
  }
}
