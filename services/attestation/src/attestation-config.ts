import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type * as pkijs from "pkijs";
import type { ProfileSigner } from "./enrollment/sign-profile.js";
import { mdmRootsFromPem } from "./enrollment/verify-mdm-signature.js";
import { splitPem } from "./identity/mda-chain.js";

/**
 * `DARKBLOOM_MODEL_HASH_ALLOWLIST`: comma-separated `modelId=sha256hex` entries (a model may be
 * listed more than once, for several accepted builds). Empty: model weights are not checked.
 */
export function parseModelHashAllowList(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const entry of text
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [model, hash] = entry.split("=");
    if (!model || !hash || !/^[0-9a-f]{64}$/.test(hash))
      throw new Error(`model hash allow-list entry "${entry}" is not modelId=<64 hex digits>`);
    const set = out.get(model) ?? new Set<string>();
    set.add(hash);
    out.set(model, set);
  }
  return out;
}

/** The MDA trust anchors: every certificate in the PEM file (empty path: none, MDA disabled). */
export async function loadMdaRoots(file: string): Promise<X509Certificate[]> {
  if (!file) return [];
  const pem = await readFile(file, "utf8").catch((err: unknown) => {
    throw new Error(`cannot read MDA roots ${file}`, { cause: err });
  });
  return splitPem(pem).map((p) => new X509Certificate(p));
}

/** The roots device identity certificates chain to (PEM file; empty path: check-ins refused). */
export async function loadMdmIdentityRoots(file: string): Promise<pkijs.Certificate[]> {
  if (!file) return [];
  const pem = await readFile(file, "utf8").catch((err: unknown) => {
    throw new Error(`cannot read MDM identity roots ${file}`, { cause: err });
  });
  return mdmRootsFromPem(splitPem(pem));
}

/** The profile-signing certificate (PEM; further certificates in the file are its chain) and key. */
export async function loadProfileSigner(
  certFile: string,
  keyFile: string,
): Promise<ProfileSigner | undefined> {
  if (!certFile || !keyFile) return undefined;
  const [certs, privateKeyPem] = await Promise.all([
    readFile(certFile, "utf8"),
    readFile(keyFile, "utf8"),
  ]).catch((err: unknown) => {
    throw new Error(`cannot read profile signing files ${certFile}, ${keyFile}`, { cause: err });
  });
  const [certificatePem, ...chainPem] = splitPem(certs);
  if (!certificatePem) throw new Error(`${certFile} holds no certificate`);
  return { certificatePem, chainPem, privateKeyPem };
}
