// 1,000 generated malformed or hostile request bodies against the inference endpoints, then
// hostile sealed bodies (compat-mode envelopes, sealed hostile plaintexts, sealed-mode endpoints):
// each must get a well-formed 4xx in the endpoint's error shape, and the coordinator must still
// serve. (Over 300 lines: one generator table per surface, kept beside the spec that uses it.)
import { create, toBinary } from "@bufbuild/protobuf";
import {
  boxBeforenm,
  generateKeyPair,
  keyFromBase64,
  sealWithSharedKey,
  toBase64,
} from "@darkbloom/crypto";
import { InferenceBodySchema } from "@darkbloom/proto";
import { expect } from "chai";
import OpenAI from "openai";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";
import {
  brokenEnvelopes,
  SEALED_CONTENT_TYPE,
  openSealedJson,
  sealedModeBodies,
  sealedPlaintexts,
  type SealedCase,
} from "./fuzz-sealed-bodies.js";
import { mulberry32 } from "@darkbloom/random";
import { boundaryCases, hostileTextCases, type BoundaryCase } from "./fuzz-boundary-cases.js";

const ENDPOINTS = ["/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages"];
const VALID: Record<string, Record<string, unknown>> = {
  "/v1/chat/completions": {
    model: TEST_MODEL_ID,
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 4,
  },
  "/v1/completions": { model: TEST_MODEL_ID, prompt: "hi", max_tokens: 4 },
  "/v1/responses": { model: TEST_MODEL_ID, input: "hi", max_output_tokens: 16 },
  "/v1/messages": {
    model: TEST_MODEL_ID,
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 4,
  },
};
const MAX_TOKENS: Record<string, string> = {
  "/v1/chat/completions": "max_tokens",
  "/v1/completions": "max_tokens",
  "/v1/responses": "max_output_tokens",
  "/v1/messages": "max_tokens",
};
const REQUIRED_FIELD: Record<string, string> = {
  "/v1/chat/completions": "messages",
  "/v1/completions": "prompt",
  "/v1/responses": "input",
  "/v1/messages": "messages",
};

interface Case {
  kind: string;
  path: string;
  contentType: string;
  body: Uint8Array;
}

function generate(count: number, seed: number): Case[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const wrongValues = (): unknown[] => [
    42,
    -1.5,
    true,
    null,
    "x",
    [],
    {},
    [[1]],
    { a: { b: 1 } },
    "\u0000",
    1e308,
  ];
  const nested = (depth: number, open: string, close: string) =>
    open.repeat(depth) + close.repeat(depth);
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const makers: Record<string, (path: string) => Omit<Case, "path">> = {
    "wrong type": (path) => {
      const body: Record<string, unknown> = { ...VALID[path] };
      const field = pick([
        "model",
        REQUIRED_FIELD[path] ?? "model",
        MAX_TOKENS[path] ?? "max_tokens",
        "stream",
        "temperature",
      ]);
      const numeric = field === "stream" || field === "temperature" || field === MAX_TOKENS[path];
      body[field] = pick<unknown>(
        numeric
          ? ["x", [], {}, [[1]], { a: { b: 1 } }, "1"]
          : [42, -1.5, true, null, 1e308, { a: { b: 1 } }, [[1]]],
      );
      return { kind: "wrong type", contentType: "application/json", body: json(body) };
    },
    "hostile model name": (path) => ({
      kind: "hostile model name",
      contentType: "application/json",
      body: json({
        ...VALID[path],
        model: pick([
          "\u0000",
          "tiny\u0000llama",
          "../../etc/passwd",
          "x".repeat(300),
          "\ud800",
          " ",
          "'; drop table x;--",
        ]),
      }),
    }),
    "huge string": (path) => {
      const size = rnd() < 0.1 ? 5 * 1024 * 1024 : 64 * 1024 + Math.floor(rnd() * 200_000);
      const huge = "A".repeat(size);
      return {
        kind: "huge string",
        contentType: "application/json",
        body: json({ ...VALID[path], model: huge }),
      };
    },
    "deep nesting": (path) => {
      const depth = pick([1_000, 10_000, 50_000]);
      const where = pick(["whole body", "field"]);
      const text =
        where === "whole body"
          ? nested(depth, "[", "]")
          : `{"model":"${TEST_MODEL_ID}","${REQUIRED_FIELD[path] ?? "x"}":${nested(depth, pick(["[", '{"a":']), "")}1${pick(["]", "}"]).repeat(depth)}}`;
      return {
        kind: "deep nesting",
        contentType: "application/json",
        body: new TextEncoder().encode(text),
      };
    },
    "invalid UTF-8": (path) => {
      const text = JSON.stringify({ ...VALID[path], model: "@@" });
      const at = text.indexOf("@@");
      const bad = Uint8Array.from([pick([0xff, 0xc0, 0xed, 0xf8]), pick([0xa0, 0x80, 0xbf])]);
      const enc = new TextEncoder();
      return {
        kind: "invalid UTF-8",
        contentType: "application/json",
        body: Uint8Array.from([
          ...enc.encode(text.slice(0, at)),
          ...bad,
          ...enc.encode(text.slice(at + 2)),
        ]),
      };
    },
    "unknown fields": (path) => {
      const body: Record<string, unknown> = {
        ...VALID[path],
        [`x_${Math.floor(rnd() * 1e6)}`]: pick(wrongValues()),
      };
      // An unknown field plus one defect: an unknown routing preference or a missing required field.
      if (rnd() < 0.5) body.provider = { [`unknown_${Math.floor(rnd() * 100)}`]: 1 };
      else delete body[REQUIRED_FIELD[path] ?? "model"];
      return { kind: "unknown fields", contentType: "application/json", body: json(body) };
    },
    "wrong content type": (path) => ({
      kind: "wrong content type",
      contentType: pick([
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
      ]),
      body: new TextEncoder().encode(
        pick([
          `model=${TEST_MODEL_ID}&prompt=hi`,
          "<xml/>",
          `--x\r\nContent-Disposition: form-data; name="model"\r\n\r\n${path}\r\n--x--`,
        ]),
      ),
    }),
    "truncated JSON": (path) => {
      const full = JSON.stringify({ ...VALID[path], stream: rnd() < 0.5 });
      return {
        kind: "truncated JSON",
        contentType: "application/json",
        body: new TextEncoder().encode(full.slice(0, 1 + Math.floor(rnd() * (full.length - 2)))),
      };
    },
    "not an object": () => ({
      kind: "not an object",
      contentType: "application/json",
      body: new TextEncoder().encode(
        pick(["", "null", "[]", "42", '"s"', "\ufeff{}", "{}", "NaN", "{'a':1}"]),
      ),
    }),
    "bad values": (path) => {
      const body: Record<string, unknown> = { ...VALID[path] };
      const [field, value] = pick<[string, unknown]>([
        [MAX_TOKENS[path] ?? "max_tokens", -5],
        [MAX_TOKENS[path] ?? "max_tokens", 1.5],
        ["temperature", 99],
        ["provider", { sort: "random" }],
        ["provider", { min_trust: 3 }],
        ["models", [1, 2]],
        ["stream", "yes"],
        ["model", ""],
      ]);
      body[field] = value;
      return { kind: "bad values", contentType: "application/json", body: json(body) };
    },
  };
  const kinds = Object.keys(makers);
  return Array.from({ length: count }, (_, i) => {
    const path = pick(ENDPOINTS);
    const make = makers[kinds[i % kinds.length] ?? "wrong type"];
    if (!make) throw new Error("no maker");
    return { ...make(path), path };
  });
}

function wellFormedError(path: string, body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const err = (body as { error?: Record<string, unknown> }).error;
  if (
    typeof err !== "object" ||
    err === null ||
    typeof err.message !== "string" ||
    typeof err.type !== "string"
  )
    return false;
  if (path === "/v1/messages") return (body as { type?: unknown }).type === "error";
  return "param" in err && "code" in err;
}

describe("fuzz: 1,000 malformed or hostile bodies against the edge", function () {
  this.timeout(300_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;

  before(async () => {
    coordinator = await startCoordinator();
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
  });

  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
  });

  it("answers every one with a well-formed 4xx in the endpoint's error shape, then still serves", async () => {
    const cases = generate(1000, 20261124);
    const failures: string[] = [];
    const byKind = new Map<string, number>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const c = cases[next++] as Case;
        const res = await fetch(`${coordinator?.url ?? ""}${c.path}`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${coordinator?.apiKey ?? ""}`,
            "content-type": c.contentType,
          },
          body: c.body,
        });
        const text = await res.text();
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        const ok =
          res.status >= 400 &&
          res.status < 500 &&
          (res.headers.get("content-type") ?? "").startsWith("application/json") &&
          wellFormedError(c.path, parsed);
        if (!ok)
          failures.push(
            `${c.kind} ${c.path} ${Buffer.from(c.body).toString("utf8", 0, 120)} → ${res.status} ${text.slice(0, 100)}`,
          );
        byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(failures, failures.slice(0, 10).join("\n")).to.deep.equal([]);
    expect([...byKind.values()].reduce((a, b) => a + b, 0)).to.equal(1000);

    const client = new OpenAI({
      baseURL: `${coordinator?.url ?? ""}/v1`,
      apiKey: coordinator?.apiKey ?? "",
      maxRetries: 0,
    });
    const res = await client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "still there?" }],
      max_tokens: 4,
      temperature: 0,
    });
    expect(res.choices[0]?.message.content).to.be.a("string").and.not.equal("");
  });

  it("answers hostile sealed envelopes, sealed hostile plaintexts and sealed-mode bodies with a well-formed 4xx", async () => {
    const url = coordinator?.url ?? "";
    const published = (await (await fetch(`${url}/v1/encryption-key`)).json()) as {
      kid: string;
      public_key: string;
    };
    const key = { kid: published.kid, publicKey: keyFromBase64(published.public_key) };
    const rnd = mulberry32(20261125);
    const plain = generate(100, 20261126).filter((c) => c.contentType === "application/json");
    const cases: SealedCase[] = [
      ...brokenEnvelopes(112, rnd, key, ENDPOINTS, (p) =>
        new TextEncoder().encode(JSON.stringify(VALID[p])),
      ),
      ...sealedPlaintexts(key, plain),
      ...sealedModeBodies(70, rnd, TEST_MODEL_ID),
    ];
    const failures: string[] = [];
    const post = (c: SealedCase): Promise<Response> =>
      fetch(`${url}${c.path}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${coordinator?.apiKey ?? ""}`,
          "content-type": c.contentType,
        },
        body: c.body,
      });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const c = cases[next++] as SealedCase;
        let res = await post(c);
        if (c.twice) {
          await res.arrayBuffer();
          res = await post(c);
        }
        const problem = await sealedProblem(c, res);
        if (problem)
          failures.push(
            `${c.kind} ${c.path} ${Buffer.from(c.body).toString("utf8", 0, 100)} → ${problem}`,
          );
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(failures, failures.slice(0, 10).join("\n")).to.deep.equal([]);

    // A real sealed-mode reservation whose ciphertext the provider cannot open: a clean 4xx, and
    // the reservation is used up.
    for (let i = 0; i < 3; i++) {
      const reserve = await fetch(`${url}/v1/sealed/reserve`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${coordinator?.apiKey ?? ""}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ model: TEST_MODEL_ID, estimated_prompt_tokens: 8, max_tokens: 4 }),
      });
      expect(reserve.status).to.equal(200);
      const r = (await reserve.json()) as { reservation_id: string; provider_public_key: string };
      const eph = generateKeyPair();
      const wrongKey = i === 0 ? generateKeyPair().publicKey : keyFromBase64(r.provider_public_key);
      const shared = boxBeforenm(wrongKey, eph.secretKey);
      const plaintext =
        i === 2
          ? toBinary(InferenceBodySchema, create(InferenceBodySchema, { model: "another-model" }))
          : new TextEncoder().encode("not a protobuf body");
      const submit: SealedCase = {
        kind: `sealed-mode unopenable body ${i}`,
        path: "/v1/sealed/completions",
        contentType: "application/json",
        body: new TextEncoder().encode(
          JSON.stringify({
            reservation_id: r.reservation_id,
            ephemeral_public_key: toBase64(eph.publicKey),
            ciphertext: toBase64(sealWithSharedKey(shared, plaintext)),
          }),
        ),
      };
      const problem = await sealedProblem(submit, await post(submit));
      expect(problem, problem ?? "").to.equal(null);
      const again = await sealedProblem(submit, await post(submit));
      expect(again, again ?? "").to.equal(null);
    }
  });

  it("refuses every integer field's boundary values, NUL strings and broken path encoding with a 400 naming the field", async () => {
    const url = coordinator?.url ?? "";
    const cases = [...boundaryCases(TEST_MODEL_ID), ...hostileTextCases()];
    const failures: string[] = [];
    for (const c of cases) {
      // A value the edge wrongly accepts may start a generation that runs for minutes: give up.
      const res = await fetch(`${url}${c.path}`, {
        signal: AbortSignal.timeout(20_000),
        method: c.method,
        headers: {
          authorization: `Bearer ${coordinator?.apiKey ?? ""}`,
          "content-type": "application/json",
        },
        ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }),
      }).catch((err: unknown) => err as Error);
      const problem =
        res instanceof Error
          ? `no answer (${res.message})`
          : boundaryProblem(c, res.status, await res.text());
      if (problem) failures.push(`${c.method} ${c.kind} → ${problem}`);
    }
    expect(failures, failures.slice(0, 20).join("\n")).to.deep.equal([]);
    expect(cases.length).to.be.greaterThan(200);

    const health = await fetch(`${url}/v1/models`, {
      headers: { authorization: `Bearer ${coordinator?.apiKey ?? ""}` },
    });
    expect(health.status).to.equal(200);
  });
});

/** Why a boundary case's answer is wrong, or null when it is right. */
function boundaryProblem(c: BoundaryCase, status: number, text: string): string | null {
  const head = `${status} ${text.slice(0, 160)}`;
  // In range: served or refused for another reason (no Stripe, no balance), never a crash.
  if (c.param === null) return status === 500 || status > 501 ? head : null;
  if (status !== 400) return head;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${head} (unparseable)`;
  }
  if (!wellFormedError(c.path === "/v1/messages" ? c.path : "/v1/keys", body))
    return `${head} (not an error body)`;
  if (c.param === undefined) return null;
  const err = (body as { error: { param?: unknown; message: string } }).error;
  const named =
    c.path === "/v1/messages" ? err.message.startsWith(`${c.param}:`) : err.param === c.param;
  return named ? null : `${head} (does not name ${c.param})`;
}

/** Why a sealed case's answer is not a well-formed 4xx, or null when it is. */
async function sealedProblem(c: SealedCase, res: Response): Promise<string | null> {
  const text = await res.text();
  const head = `${res.status} ${text.slice(0, 100)}`;
  if (res.status < 400 || res.status >= 500) return head;
  const sealedAnswer = res.headers.get("x-darkbloom-sealed") === "json";
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith(sealedAnswer ? SEALED_CONTENT_TYPE : "application/json"))
    return `${head} (content type ${type})`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${head} (unparseable)`;
  }
  if (sealedAnswer) {
    // The gate opened the body: the answer is sealed to the sender and in the endpoint's shape.
    if (!c.sharedKey) return `${head} (sealed answer to a body that should not open)`;
    let opened: unknown;
    try {
      opened = openSealedJson(text, c.sharedKey);
    } catch {
      return `${head} (sealed answer does not open)`;
    }
    return wellFormedError(c.path, opened) ? null : `${head} (opened: ${JSON.stringify(opened)})`;
  }
  // Refused before opening (or a sealed-mode route): OpenAI's shape, or the endpoint's own.
  return wellFormedError("/v1/chat/completions", body) || wellFormedError(c.path, body)
    ? null
    : `${head} (not an error body)`;
}
