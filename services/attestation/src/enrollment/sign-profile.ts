import forge from "node-forge";

const OID = {
  sha256: "2.16.840.1.101.3.4.2.1",
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
} as const;

export interface ProfileSigner {
  certificatePem: string;
  /** Intermediates sent along in the CMS so devices can build the chain. */
  chainPem: string[];
  privateKeyPem: string;
}

/**
 * Signs a profile as CMS/PKCS#7 SignedData (attached content, SHA-256, signing-time attribute),
 * the format macOS installs as a signed `.mobileconfig`. Returns DER bytes.
 */
export function signProfile(content: Uint8Array, signer: ProfileSigner): Uint8Array {
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(Buffer.from(content).toString("binary"));
  const cert = forge.pki.certificateFromPem(signer.certificatePem);
  p7.addCertificate(cert);
  for (const pem of signer.chainPem) p7.addCertificate(forge.pki.certificateFromPem(pem));
  p7.addSigner({
    key: forge.pki.privateKeyFromPem(signer.privateKeyPem),
    certificate: cert,
    digestAlgorithm: OID.sha256,
    authenticatedAttributes: [
      { type: OID.contentType, value: OID.data },
      { type: OID.messageDigest },
      { type: OID.signingTime, value: new Date().toISOString() },
    ],
  });
  p7.sign();
  return new Uint8Array(Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), "binary"));
}
