import { fromBase64 } from "@darkbloom/crypto";
import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { equalBytes } from "@noble/curves/utils.js";
import { Certificate, CertificateChainValidationEngine } from "pkijs";

/** Apple's MDA freshness-code extension (ACME device-attest-01 leaf). */
const FRESHNESS_OID = "1.2.840.113635.100.8.11.1";
const P256_OID = "1.2.840.10045.3.1.7";

export type MdaCheck = { ok: true } | { ok: false; message: string };

/** The certificates of a PEM bundle, in order. Throws on a block that is not a certificate. */
export function certificatesOf(pem: string): Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  // a fresh ArrayBuffer-backed copy: pkijs takes a BufferSource (not a SharedArrayBuffer view)
  return blocks.map((b) =>
    Certificate.fromBER(new Uint8Array(fromBase64(b.replace(/-----[^-]+-----|\s+/g, "")))),
  );
}

/**
 * Verifies a provider's MDA chain (PEM, leaf first) the way the coordinator does, but against the
 * roots the SDK caller configured: a valid path to one of `roots` at `now`, the leaf certifying the
 * provider's identity key, and the leaf's freshness code = SHA-256(identity key). Uses pkijs over
 * WebCrypto, so it runs wherever the SDK runs (Node or a browser).
 */
export async function verifyMdaChain(
  chainPem: string,
  roots: readonly Certificate[],
  identityPublicKey: Uint8Array,
  now: Date,
): Promise<MdaCheck> {
  let chain: Certificate[];
  try {
    chain = certificatesOf(chainPem);
  } catch {
    return { ok: false, message: "the MDA chain is not PEM certificates" };
  }
  const leaf = chain[0];
  if (!leaf) return { ok: false, message: "the MDA chain is empty" };
  const engine = new CertificateChainValidationEngine({
    trustedCerts: [...roots],
    certs: [...chain].reverse(),
    checkDate: now,
  });
  const path = await engine.verify().catch((err: unknown) => ({
    result: false,
    resultMessage: err instanceof Error ? err.message : String(err),
  }));
  if (!path.result)
    return { ok: false, message: `the MDA chain does not verify: ${path.resultMessage}` };
  if (!certifiesKey(leaf, identityPublicKey))
    return { ok: false, message: "the MDA leaf does not certify the provider's identity key" };
  const freshness = extensionBytes(leaf, FRESHNESS_OID);
  if (!freshness || !equalBytes(freshness, sha256(identityPublicKey)))
    return { ok: false, message: "the MDA freshness code does not bind the identity key" };
  return { ok: true };
}

function certifiesKey(leaf: Certificate, identityPublicKey: Uint8Array): boolean {
  const spki = leaf.subjectPublicKeyInfo;
  const params = spki.algorithm.algorithmParams as { valueBlock?: { toString(): string } };
  if (params.valueBlock?.toString() !== P256_OID) return false;
  try {
    const expected = p256.Point.fromBytes(identityPublicKey).toBytes(false);
    return equalBytes(new Uint8Array(spki.subjectPublicKey.valueBlock.valueHexView), expected);
  } catch {
    return false; // the identity key is not a P-256 point
  }
}

/** An extension's payload; an inner DER OCTET STRING is unwrapped (as the coordinator does). */
function extensionBytes(cert: Certificate, oid: string): Uint8Array | undefined {
  const ext = cert.extensions?.find((e) => e.extnID === oid);
  if (!ext) return undefined;
  const v = new Uint8Array(ext.extnValue.valueBlock.valueHexView);
  if (v[0] === 0x04 && v[1] === v.byteLength - 2) return v.subarray(2);
  return v;
}
