import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { generateKeyPair, publicKeyFromSecret, type KeyPair } from "@darkbloom/crypto";
import { writeFileAtomic } from "../write-file-atomic.js";

/**
 * The provider's X25519 key pair, kept in its home folder (mode 0600) so the key — and the trust
 * the coordinator builds in it — survives restarts. Corrupt files are replaced, not trusted; the
 * replacement is a new file (mode 0600 whatever the old one had), renamed into place.
 */
export async function loadOrCreateEncryptionKey(homeDir: string): Promise<KeyPair> {
  const file = path.join(homeDir, "encryption-key");
  try {
    const secretKey = new Uint8Array(Buffer.from((await readFile(file, "utf8")).trim(), "base64"));
    if (secretKey.byteLength === 32)
      return { secretKey, publicKey: publicKeyFromSecret(secretKey) };
  } catch {
    // absent or unreadable: make a new one below
  }
  const pair = generateKeyPair();
  await mkdir(homeDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, Buffer.from(pair.secretKey).toString("base64") + "\n", {
    mode: 0o600,
  });
  return pair;
}
