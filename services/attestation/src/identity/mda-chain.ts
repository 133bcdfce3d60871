import { X509Certificate as NodeCertificate, createHash } from "node:crypto";
import { Certificate } from "pkijs";
import { p256 } from "@noble/curves/nist.js";

/** Apple Managed Device Attestation extension OIDs (ACME device-attest-01 leaf certificates). */
export const MDA_OID = {
  serialNumber: "1.2.840.113635.100.8.9.1",
  udid: "1.2.840.113635.100.8.9.2",
  freshnessCode: "1.2.840.113635.100.8.11.1",
} as const;

export type MdaResult =
  { ok: true; udid: string; serialNumber: string } | { ok: false; message: string };

/**
 * Verifies an MDA certificate chain (PEM, leaf first) against the configured roots: every
 * signature and validity period, the leaf key equal to the provider's identity key (the attested
 * Secure Enclave key), and the leaf's freshness code equal to SHA-256 of the identity key (the
 * nonce darkbloom asks the device to attest). Synchronous (node:crypto), so admission can use it.
 */
export function verifyMdaChain(
  chainPem: string,
  roots: readonly NodeCertificate[],
  identityPublicKey: Uint8Array,
  now: Date,
): MdaResult {
  let chain: NodeCertificate[];
  try {
    chain = splitPem(chainPem).map((pem) => new NodeCertificate(pem));
  } catch {
    return { ok: false, message: "MDA chain is not PEM certificates" };
  }
  const leaf = chain[0];
  if (!leaf) return { ok: false, message: "MDA chain is empty" };
  for (const cert of chain) {
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo))
      return { ok: false, message: `certificate ${cert.subject} is outside its validity period` };
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    const [child, parent] = [chain[i], chain[i + 1]] as [NodeCertificate, NodeCertificate];
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey))
      return { ok: false, message: `certificate ${child.subject} is not signed by its issuer` };
  }
  const top = chain[chain.length - 1] as NodeCertificate;
  const anchored = roots.some(
    (root) => top.raw.equals(root.raw) || (top.checkIssued(root) && top.verify(root.publicKey)),
  );
  if (!anchored) return { ok: false, message: "MDA chain does not end at a configured root" };
  if (!sameKey(leaf, identityPublicKey))
    return { ok: false, message: "MDA leaf key is not the provider's identity key" };
  const parsed = Certificate.fromBER(new Uint8Array(leaf.raw));
  const freshness = extensionBytes(parsed, MDA_OID.freshnessCode);
  const expected = createHash("sha256").update(identityPublicKey).digest();
  if (!freshness || !Buffer.from(freshness).equals(expected))
    return { ok: false, message: "MDA freshness code does not bind the identity key" };
  return {
    ok: true,
    udid: extensionText(parsed, MDA_OID.udid),
    serialNumber: extensionText(parsed, MDA_OID.serialNumber),
  };
}

export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function sameKey(leaf: NodeCertificate, identityPublicKey: Uint8Array): boolean {
  const jwk = leaf.publicKey.export({ format: "jwk" });
  if (jwk.crv !== "P-256" || !jwk.x || !jwk.y) return false;
  try {
    const point = p256.Point.fromBytes(identityPublicKey);
    const { x, y } = point.toAffine();
    const hex = (b64url: string) => Buffer.from(b64url, "base64url").toString("hex");
    return BigInt(`0x${hex(jwk.x)}`) === x && BigInt(`0x${hex(jwk.y)}`) === y;
  } catch {
    return false; // identity key not on the curve
  }
}

/** The extension's payload: an inner DER OCTET STRING is unwrapped, raw bytes returned as is. */
function extensionBytes(cert: Certificate, oid: string): Uint8Array | undefined {
  const ext = cert.extensions?.find((e) => e.extnID === oid);
  if (!ext) return undefined;
  const v = new Uint8Array(ext.extnValue.valueBlock.valueHexView);
  if (v[0] === 0x04 && v[1] === v.byteLength - 2) return v.subarray(2);
  return v;
}

function extensionText(cert: Certificate, oid: string): string {
  const v = extensionBytes(cert, oid);
  if (!v) return "";
  // UTF8String (0x0c) / PrintableString (0x13) short form, else raw text
  if ((v[0] === 0x0c || v[0] === 0x13) && v[1] === v.byteLength - 2)
    return Buffer.from(v.subarray(2)).toString("utf8");
  return Buffer.from(v).toString("utf8");
}
