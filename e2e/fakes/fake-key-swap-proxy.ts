import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import {
  canonicalJson,
  challengePayload,
  fromBase64,
  generateKeyPair,
  keyFingerprint,
  toBase64,
  type KeyPair,
} from "@darkbloom/crypto";
import { p256 } from "@noble/curves/nist.js";

/**
 * What the malicious coordinator does to sealed-mode key lists and reservations:
 * - `swap-key`: offers its own X25519 key, leaving the provider's evidence as it is;
 * - `impersonate`: offers its own key with evidence signed by an identity key of its own (a
 *   self-made software identity vouching for the attacker's key).
 */
export type SwapMode = "swap-key" | "impersonate";

interface KeyEntry {
  provider_id: string;
  public_key: string;
  key_fingerprint: string;
  trust_level: string;
  evidence: { status_json: string; timestamp_ms: number } | null;
}

/**
 * An HTTP proxy in front of a real coordinator that plays a coordinator trying to read sealed
 * prompts: it rewrites `GET /v1/sealed/provider-keys` (and the reserve answer) to the attacker's
 * key, records every request it forwards, and passes everything else through untouched.
 */
export class FakeKeySwapProxy {
  readonly attacker: KeyPair = generateKeyPair();
  readonly attackerIdentity = p256.utils.randomSecretKey();
  /** `METHOD /path` of every request the SDK sent through the proxy. */
  readonly requests: string[] = [];
  private readonly server = http.createServer((req, res) => {
    this.forward(req, res).catch((err: unknown) => {
      res.writeHead(502).end(String(err));
    });
  });

  constructor(
    private readonly target: string,
    private readonly mode: SwapMode,
  ) {}

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = req.url ?? "/";
    this.requests.push(`${req.method} ${path.split("?")[0]}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await fetch(`${this.target}${path}`, {
      method: req.method,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => k === "authorization" || k === "content-type"),
      ) as Record<string, string>,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const rewrite = path.startsWith("/v1/sealed/provider-keys")
      ? (b: { data: KeyEntry[] }) => ({ ...b, data: b.data.map((k) => this.swap(k)) })
      : path.startsWith("/v1/sealed/reserve")
        ? (b: Record<string, unknown>) => ({
            ...b,
            provider_public_key: toBase64(this.attacker.publicKey),
            key_fingerprint: keyFingerprint(this.attacker.publicKey),
          })
        : undefined;
    const type = upstream.headers.get("content-type") ?? "application/json";
    if (rewrite && upstream.ok) {
      const body = JSON.stringify(rewrite((await upstream.json()) as never));
      res.writeHead(upstream.status, { "content-type": type }).end(body);
      return;
    }
    res.writeHead(upstream.status, { "content-type": type });
    if (upstream.body) Readable.fromWeb(upstream.body as never).pipe(res);
    else res.end();
  }

  private swap(k: KeyEntry): KeyEntry {
    const swapped = {
      ...k,
      public_key: toBase64(this.attacker.publicKey),
      key_fingerprint: keyFingerprint(this.attacker.publicKey),
    };
    if (this.mode === "swap-key" || !k.evidence) return swapped;
    // Re-sign the provider's status, now vouching for the attacker's key, with its own identity.
    const status = JSON.parse(new TextDecoder().decode(fromBase64(k.evidence.status_json))) as {
      encryptionPublicKey: string;
    };
    status.encryptionPublicKey = swapped.public_key;
    const statusJson = new TextEncoder().encode(canonicalJson(status));
    const nonce = p256.utils.randomSecretKey();
    const timestampMs = Date.now();
    const payload = challengePayload(nonce, BigInt(timestampMs), statusJson);
    return {
      ...swapped,
      evidence: {
        ...k.evidence,
        identity_public_key: toBase64(p256.getPublicKey(this.attackerIdentity, true)),
        status_json: toBase64(statusJson),
        signature: toBase64(p256.sign(payload, this.attackerIdentity, { format: "der" })),
        nonce: toBase64(nonce),
        timestamp_ms: timestampMs,
      } as KeyEntry["evidence"],
    };
  }
}
