import { createHash } from "node:crypto";
import * as pkijs from "pkijs";
import { MDA_OID } from "../identity/mda-chain.js";

export type MdmSignatureCheck = { ok: true; certSha256: string } | { ok: false; message: string };

/**
 * Verifies an MDM check-in's `Mdm-Signature` header: base64 of a CMS SignedData with detached
 * content over the request body, signed by the device identity certificate (the profile's ACME
 * certificate), which must chain to one of `roots` and be valid `now`. When the certificate
 * carries Apple's UDID extension it must name `udid`. Returns the certificate's SHA-256 (hex),
 * which binds later check-ins of the device to the identity it authenticated with.
 */
export async function verifyMdmSignature(
  header: string | undefined,
  body: Uint8Array,
  udid: string,
  roots: readonly pkijs.Certificate[],
  now: Date,
): Promise<MdmSignatureCheck> {
  if (!header) return { ok: false, message: "Mdm-Signature header is missing" };
  if (roots.length === 0) return { ok: false, message: "no MDM identity roots are configured" };
  let signed: pkijs.SignedData;
  try {
    const der = new Uint8Array(Buffer.from(header.replace(/\s+/g, ""), "base64"));
    signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(der).content });
  } catch {
    return { ok: false, message: "Mdm-Signature is not a CMS SignedData" };
  }
  let result: pkijs.SignedDataVerifyResult;
  try {
    result = await signed.verify({
      signer: 0,
      data: new Uint8Array(body).buffer,
      trustedCerts: [...roots],
      checkChain: true,
      checkDate: now,
      extendedMode: true,
    });
  } catch (err) {
    const message = (err as { message?: unknown }).message;
    return { ok: false, message: `Mdm-Signature does not verify: ${String(message ?? err)}` };
  }
  if (!result.signatureVerified || !result.signerCertificate)
    return { ok: false, message: "Mdm-Signature does not verify" };
  const cert = result.signerCertificate;
  const certUdid = udidOf(cert);
  if (certUdid !== undefined && certUdid !== udid)
    return { ok: false, message: "the signing certificate belongs to another device" };
  const der = new Uint8Array(cert.toSchema(true).toBER(false));
  return { ok: true, certSha256: createHash("sha256").update(der).digest("hex") };
}

/** Parses the PEM roots for `verifyMdmSignature`. */
export function mdmRootsFromPem(pems: readonly string[]): pkijs.Certificate[] {
  return pems.map((pem) =>
    pkijs.Certificate.fromBER(
      new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ""), "base64")),
    ),
  );
}

function udidOf(cert: pkijs.Certificate): string | undefined {
  const ext = cert.extensions?.find((e) => e.extnID === MDA_OID.udid);
  if (!ext) return undefined;
  const v = new Uint8Array(ext.extnValue.valueBlock.valueHexView);
  const inner = v[1] === v.byteLength - 2 ? v.subarray(2) : v;
  return Buffer.from(inner).toString("utf8");
}
