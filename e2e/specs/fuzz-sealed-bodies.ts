// Hostile bodies for the sealed surfaces, used by fuzz-edge-bodies.test.ts: compat-mode envelopes
// (`application/darkbloom-sealed+json` on the inference endpoints) broken at every layer, and
// well-sealed envelopes around hostile plaintexts; plus `/v1/sealed/reserve` and
// `/v1/sealed/completions` bodies.
import {
  boxBeforenm,
  generateKeyPair,
  openWithSharedKey,
  sealWithSharedKey,
  toBase64,
} from "@darkbloom/crypto";

export const SEALED_CONTENT_TYPE = "application/darkbloom-sealed+json";

export interface SealedCase {
  kind: string;
  path: string;
  contentType: string;
  body: Uint8Array;
  /** Set when the envelope is sealed correctly: a sealed response must open with this key. */
  sharedKey?: Uint8Array;
  /** Send the same body twice; the second answer is checked (replay). */
  twice?: boolean;
}

export interface CoordinatorKey {
  kid: string;
  publicKey: Uint8Array;
}

const enc = new TextEncoder();
const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v));

/** Seals `plaintext` to the coordinator's key as a compat-mode envelope. */
export function sealEnvelope(
  key: CoordinatorKey,
  plaintext: Uint8Array,
): { envelope: Record<string, string>; sharedKey: Uint8Array } {
  const eph = generateKeyPair();
  const sharedKey = boxBeforenm(key.publicKey, eph.secretKey);
  eph.secretKey.fill(0);
  return {
    envelope: {
      kid: key.kid,
      ephemeral_public_key: toBase64(eph.publicKey),
      ciphertext: toBase64(sealWithSharedKey(sharedKey, plaintext)),
    },
    sharedKey,
  };
}

/** Opens a sealed JSON response (`x-darkbloom-sealed: json`) to the original body. */
export function openSealedJson(text: string, sharedKey: Uint8Array): unknown {
  const { ciphertext } = JSON.parse(text) as { ciphertext: string };
  return JSON.parse(
    new TextDecoder().decode(openWithSharedKey(sharedKey, Buffer.from(ciphertext, "base64"))),
  ) as unknown;
}

/** Envelopes broken at the envelope, key or ciphertext layer (refused by the sealed-body gate). */
export function brokenEnvelopes(
  count: number,
  rnd: () => number,
  key: CoordinatorKey,
  paths: readonly string[],
  validBody: (path: string) => Uint8Array,
): SealedCase[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const sealed = (path: string) => sealEnvelope(key, validBody(path));
  const makers: Record<string, (path: string) => Uint8Array | { body: Uint8Array; twice: true }> = {
    "envelope not JSON": () =>
      enc.encode(pick(["", "{", "kid=x", "\ufeff{}", "[", "null", "{'kid':1}"])),
    "envelope invalid UTF-8": () =>
      Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    "envelope deep nesting": () => enc.encode(`{"kid":${"[".repeat(20_000)}${"]".repeat(20_000)}}`),
    "envelope wrong types": (path) => {
      const { envelope } = sealed(path);
      const field = pick(["kid", "ephemeral_public_key", "ciphertext"]);
      return json({ ...envelope, [field]: pick<unknown>([42, null, [], {}, true, ""]) });
    },
    "envelope missing field": (path) => {
      const { envelope } = sealed(path);
      const copy: Record<string, string> = { ...envelope };
      delete copy[pick(["kid", "ephemeral_public_key", "ciphertext"])];
      return json(copy);
    },
    "unknown kid": (path) =>
      json({ ...sealed(path).envelope, kid: pick(["ek_0000000000000000", "x", "k".repeat(64)]) }),
    "oversized kid": (path) => json({ ...sealed(path).envelope, kid: "k".repeat(10_000) }),
    "bad base64": (path) => {
      const field = pick(["ephemeral_public_key", "ciphertext"]);
      return json({ ...sealed(path).envelope, [field]: pick(["%%%", "a", "====", "\u0000"]) });
    },
    "short ephemeral key": (path) =>
      json({
        ...sealed(path).envelope,
        ephemeral_public_key: toBase64(new Uint8Array(pick([1, 16, 31, 33]))),
      }),
    "truncated ciphertext": (path) => {
      const { envelope } = sealed(path);
      const raw = Buffer.from(envelope.ciphertext ?? "", "base64");
      return json({ ...envelope, ciphertext: toBase64(raw.subarray(0, pick([1, 23, 24, 39]))) });
    },
    "tampered ciphertext": (path) => {
      const { envelope } = sealed(path);
      const raw = Buffer.from(envelope.ciphertext ?? "", "base64");
      const at = Math.floor(rnd() * raw.length);
      raw[at] = (raw[at] ?? 0) ^ (1 + Math.floor(rnd() * 255));
      return json({ ...envelope, ciphertext: toBase64(raw) });
    },
    "sealed to another key": (path) =>
      json({
        ...sealEnvelope({ kid: key.kid, publicKey: generateKeyPair().publicKey }, validBody(path))
          .envelope,
      }),
    "huge ciphertext": () =>
      json({
        kid: key.kid,
        ephemeral_public_key: toBase64(new Uint8Array(32)),
        ciphertext: "A".repeat(3_000_000),
      }),
    replayed: (path) => ({ body: json(sealed(path).envelope), twice: true }),
  };
  const kinds = Object.keys(makers);
  return Array.from({ length: count }, (_, i) => {
    const path = pick(paths);
    const kind = kinds[i % kinds.length] ?? "replayed";
    const made = makers[kind]?.(path) ?? new Uint8Array();
    return made instanceof Uint8Array
      ? { kind: `sealed: ${kind}`, path, contentType: SEALED_CONTENT_TYPE, body: made }
      : { kind: `sealed: ${kind}`, path, contentType: SEALED_CONTENT_TYPE, ...made };
  });
}

/** Hostile plaintexts (the plain fuzz bodies) sealed correctly: the gate opens them. */
export function sealedPlaintexts(
  key: CoordinatorKey,
  plain: ReadonlyArray<{ kind: string; path: string; body: Uint8Array }>,
): SealedCase[] {
  return plain.map((c) => {
    const { envelope, sharedKey } = sealEnvelope(key, c.body);
    return {
      kind: `sealed plaintext: ${c.kind}`,
      path: c.path,
      contentType: SEALED_CONTENT_TYPE,
      body: json(envelope),
      sharedKey,
    };
  });
}

/** Bodies for the sealed-mode endpoints (plain JSON routes). */
export function sealedModeBodies(count: number, rnd: () => number, model: string): SealedCase[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const hostile = (): unknown =>
    // Invalid for every field of both schemas (no positive integers, no booleans).
    pick<unknown>([-1, 1.5, null, "", "x".repeat(70_000), [], {}, [[1]], "\u0000"]);
  const validReserve = { model, estimated_prompt_tokens: 10, max_tokens: 4 };
  const validSubmit = {
    reservation_id: "res_unknown",
    ephemeral_public_key: toBase64(generateKeyPair().publicKey),
    ciphertext: toBase64(new Uint8Array(64)),
  };
  const makers: Array<() => { path: string; body: Uint8Array; kind: string }> = [
    () => {
      const field = pick(["model", "estimated_prompt_tokens", "max_tokens", "stream", "min_trust"]);
      return {
        kind: "reserve wrong type",
        path: "/v1/sealed/reserve",
        body: json({ ...validReserve, [field]: hostile() }),
      };
    },
    () => ({
      kind: "reserve unknown model",
      path: "/v1/sealed/reserve",
      body: json({ ...validReserve, model: pick(["nope", "../x", "\ud800", "m".repeat(300)]) }),
    }),
    () => {
      const field = pick(["reservation_id", "ephemeral_public_key", "ciphertext"]);
      return {
        kind: "submit wrong type",
        path: "/v1/sealed/completions",
        body: json({ ...validSubmit, [field]: hostile() }),
      };
    },
    () => ({
      kind: "submit bad key or base64",
      path: "/v1/sealed/completions",
      body: json({
        ...validSubmit,
        ...pick<Record<string, string>>([
          { ephemeral_public_key: toBase64(new Uint8Array(31)) },
          { ephemeral_public_key: "%%%" },
          { ciphertext: "%%%" },
          { ciphertext: "A" },
        ]),
      }),
    }),
    () => ({
      kind: "submit unknown reservation",
      path: "/v1/sealed/completions",
      body: json({ ...validSubmit, reservation_id: pick(["x", "r".repeat(128), "res_\u0000"]) }),
    }),
    () => ({
      kind: "sealed-mode not an object",
      path: pick(["/v1/sealed/reserve", "/v1/sealed/completions"]),
      body: enc.encode(pick(["", "[]", "null", "{", `${"[".repeat(5000)}${"]".repeat(5000)}`])),
    }),
    () => ({
      kind: "sealed-mode invalid UTF-8",
      path: pick(["/v1/sealed/reserve", "/v1/sealed/completions"]),
      body: Uint8Array.from([0x7b, 0x22, 0x6d, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]),
    }),
  ];
  return Array.from({ length: count }, (_, i) => ({
    contentType: "application/json",
    ...(makers[i % makers.length] ?? (makers[0] as () => SealedCase))(),
  }));
}
