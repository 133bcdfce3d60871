import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { p256 } from "@noble/curves/nist.js";

/**
 * Where the provider's P-256 identity key lives. The software source keeps it in a file; a Secure
 * Enclave source (macOS, a native helper) implements the same interface and never exports the
 * secret. The coordinator caps a `software` key at trust level `software`.
 */
export interface IdentityKeySource {
  readonly kind: "software" | "secure-enclave";
  /** SEC1 compressed public key (33 bytes). */
  readonly publicKey: Uint8Array;
  /** ECDSA P-256 over SHA-256(message), DER-encoded (X9.62), as the Secure Enclave signs. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** A software identity key in `<home>/identity-key` (mode 0600); created on first use. */
export async function loadOrCreateSoftwareIdentity(homeDir: string): Promise<IdentityKeySource> {
  const file = path.join(homeDir, "identity-key");
  const secretKey = (await readSecret(file)) ?? (await createSecret(homeDir, file));
  const publicKey = p256.getPublicKey(secretKey, true);
  return {
    kind: "software",
    publicKey,
    sign: (message) => Promise.resolve(p256.sign(message, secretKey, { format: "der" })),
  };
}

async function readSecret(file: string): Promise<Uint8Array | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined; // absent: created below
  }
  const secret = new Uint8Array(Buffer.from(text.trim(), "base64"));
  if (secret.byteLength !== 32 || !p256.utils.isValidSecretKey(secret)) return undefined;
  await chmod(file, 0o600);
  return secret;
}

async function createSecret(homeDir: string, file: string): Promise<Uint8Array> {
  const secret = p256.utils.randomSecretKey();
  await mkdir(homeDir, { recursive: true, mode: 0o700 });
  await writeFile(file, Buffer.from(secret).toString("base64") + "\n", { mode: 0o600 });
  await chmod(file, 0o600);
  return secret;
}
