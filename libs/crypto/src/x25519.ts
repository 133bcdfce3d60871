import { x25519 as nobleX25519 } from "@noble/curves/ed25519.js";

/**
 * X25519 (RFC 7748) with the platform's native implementation when there is one (Node's
 * OpenSSL, reached through `process.getBuiltinModule` so this library still loads in a browser)
 * and @noble/curves otherwise. Both clamp the scalar the same way and give identical bytes; the
 * native one is ~50× faster, which matters on the coordinator's hot path (an ephemeral key pair
 * per request and one shared key per candidate provider).
 */
export interface X25519 {
  randomSecretKey(): Uint8Array;
  getPublicKey(secretKey: Uint8Array): Uint8Array;
  /** Throws on a low-order public key (all-zero shared secret). */
  getSharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /**
   * One fresh key pair's public key and its shared secret with each of `publicKeys` (one X25519
   * agreement per recipient, one key generation in all), the secret key never handed out.
   * Throws as `getSharedSecret` when any of them is unusable.
   */
  ephemeralSharedSecrets(publicKeys: readonly Uint8Array[]): {
    publicKey: Uint8Array;
    shared: Uint8Array[];
  };
}

/** Peer public keys whose imported native key object is kept (least recently used dropped). */
export const PUBLIC_KEY_CACHE_ENTRIES = 1024;

// The part of node:crypto and node:buffer used here, typed structurally: this file is also
// compiled where no Node types exist (the SDK bundled into the console for a browser).
interface NodeKeyObject {
  export(options: { format: "jwk" }): { x?: string };
}
type OkpJwk = { kty: "OKP"; crv: "X25519"; d?: string; x: string };
interface NodeCrypto {
  randomBytes(size: number): Uint8Array & { fill(value: number): unknown };
  createPrivateKey(options: { key: OkpJwk; format: "jwk" }): NodeKeyObject;
  createPublicKey(options: NodeKeyObject | { key: OkpJwk; format: "jwk" }): NodeKeyObject;
  diffieHellman(options: { privateKey: NodeKeyObject; publicKey: NodeKeyObject }): Uint8Array;
}
interface NodeBuffer {
  from(
    data: ArrayBufferLike | string,
    offsetOrEncoding?: number | "base64url",
    length?: number,
  ): Uint8Array & { toString(encoding: "base64url"): string };
}
interface NodeModules {
  crypto: NodeCrypto;
  Buffer: NodeBuffer;
}

function nativeX25519({ crypto: c, Buffer: buf }: NodeModules): X25519 {
  // Keys go in and out as JWK: Node imports an OKP JWK straight from its raw bytes, where DER
  // goes through OpenSSL 3's decoder lookup (about 7× slower). Node reads only `d` of a private
  // OKP JWK (`x` must be a string; the RFC 7748 vectors in the tests would catch a change).
  const b64url = (bytes: Uint8Array): string =>
    buf.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64url");
  const fromB64url = (text: string | undefined): Uint8Array =>
    new Uint8Array(buf.from(text ?? "", "base64url"));

  const importPrivate = (d: string): NodeKeyObject =>
    c.createPrivateKey({ key: { kty: "OKP", crv: "X25519", d, x: "" }, format: "jwk" });
  const privateKey = (secretKey: Uint8Array): NodeKeyObject => importPrivate(b64url(secretKey));
  // A long-lived secret key (a provider's, the coordinator's sealed-body key) agrees with a new
  // ephemeral key on every request: its import (a scalar multiplication, as costly as the
  // agreement) is kept with the very array it came from, and reused only while that array still
  // holds the same bytes (an array overwritten in place with another key is imported again).
  const imported = new WeakMap<Uint8Array, { d: string; key: NodeKeyObject }>();
  const staticPrivateKey = (secretKey: Uint8Array): NodeKeyObject => {
    const d = b64url(secretKey);
    const hit = imported.get(secretKey);
    if (hit?.d === d) return hit.key;
    const key = importPrivate(d);
    imported.set(secretKey, { d, key });
    return key;
  };
  // A coordinator seals every request to one of a few provider keys: each is imported once.
  // Keyed by the key's full 32 bytes (base64url), so a hit is always the very same public key.
  const publicKeys = new Map<string, NodeKeyObject>();
  const publicKey = (bytes: Uint8Array): NodeKeyObject => {
    const x = b64url(bytes);
    const cached = publicKeys.get(x);
    if (cached !== undefined) {
      publicKeys.delete(x);
      publicKeys.set(x, cached);
      return cached;
    }
    const created = c.createPublicKey({ key: { kty: "OKP", crv: "X25519", x }, format: "jwk" });
    publicKeys.set(x, created);
    if (publicKeys.size > PUBLIC_KEY_CACHE_ENTRIES) {
      const oldest = publicKeys.keys().next().value;
      if (oldest !== undefined) publicKeys.delete(oldest);
    }
    return created;
  };
  const derive = (priv: NodeKeyObject, peer: Uint8Array): Uint8Array => {
    const shared = c.diffieHellman({ privateKey: priv, publicKey: publicKey(peer) });
    // OpenSSL refuses an all-zero result itself; checked again so both backends agree.
    if (shared.every((b) => b === 0)) throw new Error("low-order public key");
    return new Uint8Array(shared.buffer, shared.byteOffset, shared.length);
  };
  return {
    randomSecretKey: () => new Uint8Array(c.randomBytes(32)),
    getPublicKey: (secretKey) =>
      fromB64url(c.createPublicKey(privateKey(secretKey)).export({ format: "jwk" }).x),
    getSharedSecret: (secretKey, peer) => derive(staticPrivateKey(secretKey), peer),
    ephemeralSharedSecrets: (peers) => {
      // An imported random secret, never generateKeyPairSync: under Node 20 a generated pair's
      // KeyGenJob, freed by a garbage collection that runs while an export or an agreement holds
      // the pair's lock, takes that lock again and the process hangs for good (the x25519 tests
      // reproduce it). An imported key has no KeyGenJob: nothing a collection frees takes its
      // lock (the key objects sharing it are all alive here), so its public half may leave as
      // JWK. The import has computed the public key already; the JWK export only reads it (a
      // DER export costs two agreements in OpenSSL's encoder, an agreement with the base point
      // one). The secret never leaves: only the public key object is exported.
      const secret = c.randomBytes(32);
      const priv = privateKey(secret);
      secret.fill(0);
      const publicKey = fromB64url(c.createPublicKey(priv).export({ format: "jwk" }).x);
      const shared: Uint8Array[] = [];
      try {
        for (const peer of peers) shared.push(derive(priv, peer));
      } catch (err) {
        for (const s of shared) s.fill(0);
        throw err;
      }
      return { publicKey, shared };
    },
  };
}

const nobleBackend: X25519 = {
  randomSecretKey: () => nobleX25519.utils.randomSecretKey(),
  getPublicKey: (secretKey) => nobleX25519.getPublicKey(secretKey),
  getSharedSecret: (secretKey, publicKey) => nobleX25519.getSharedSecret(secretKey, publicKey),
  ephemeralSharedSecrets: (publicKeys) => {
    const secretKey = nobleX25519.utils.randomSecretKey();
    try {
      return {
        publicKey: nobleX25519.getPublicKey(secretKey),
        shared: publicKeys.map((pk) => nobleX25519.getSharedSecret(secretKey, pk)),
      };
    } finally {
      secretKey.fill(0);
    }
  },
};

function nodeModules(): NodeModules | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;
  const buffer = proc?.getBuiltinModule?.("node:buffer") as { Buffer?: NodeBuffer } | undefined;
  return typeof crypto?.diffieHellman === "function" && buffer?.Buffer
    ? { crypto, Buffer: buffer.Buffer }
    : undefined;
}

const node = nodeModules();

/** The X25519 in use: native when available. */
export const x25519: X25519 = node ? nativeX25519(node) : nobleBackend;

/** The pure-JS backend (tests compare both). */
export const x25519Noble: X25519 = nobleBackend;
