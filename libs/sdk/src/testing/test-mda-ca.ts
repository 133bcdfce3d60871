// Test-only certificate authorities standing in for Apple's MDA roots (like
// services/attestation/src/testing/test-ca.ts, which libs may not import).
import { webcrypto } from "node:crypto";
import * as asn1js from "asn1js";
import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import * as pkijs from "pkijs";

type CryptoKey = webcrypto.CryptoKey;
const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
let serial = 1;

export interface TestCa {
  name: string;
  certificatePem: string;
  privateKey: CryptoKey;
}

const rdn = (cn: string) =>
  new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({
        type: "2.5.4.3",
        value: new asn1js.Utf8String({ value: cn }),
      }),
    ],
  });

async function issue(
  subject: string,
  issuer: TestCa | { name: string; privateKey: CryptoKey },
  publicKey: CryptoKey,
  ca: boolean,
  extensions: pkijs.Extension[] = [],
): Promise<string> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: serial++ });
  cert.subject = rdn(subject);
  cert.issuer = rdn(issuer.name);
  cert.notBefore.value = new Date(Date.now() - 60_000);
  cert.notAfter.value = new Date(Date.now() + 86_400_000);
  const basic = new pkijs.BasicConstraints({ cA: ca });
  cert.extensions = [
    new pkijs.Extension({
      extnID: "2.5.29.19",
      critical: true,
      extnValue: basic.toSchema().toBER(false),
      parsedValue: basic,
    }),
    ...extensions,
  ];
  await cert.subjectPublicKeyInfo.importKey(publicKey);
  await cert.sign(issuer.privateKey, "SHA-256");
  const b64 = Buffer.from(cert.toSchema(true).toBER(false)).toString("base64");
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;
}

/** A self-signed root, or (with `parent`) an intermediate CA. */
export async function createTestCa(name: string, parent?: TestCa): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"]);
  const signer = parent ?? { name, privateKey: keys.privateKey };
  return {
    name,
    certificatePem: await issue(name, signer, keys.publicKey, true),
    privateKey: keys.privateKey,
  };
}

/** An MDA leaf certifying `identityPublicKey`, freshness code SHA-256(identity key). */
export async function createMdaLeaf(
  issuer: TestCa,
  identityPublicKey: Uint8Array,
): Promise<string> {
  const raw = p256.Point.fromBytes(identityPublicKey).toBytes(false);
  const publicKey = await webcrypto.subtle.importKey("raw", raw, EC, true, ["verify"]);
  const freshness = new asn1js.OctetString({ valueHex: sha256(identityPublicKey) }).toBER(false);
  const ext = new pkijs.Extension({
    extnID: "1.2.840.113635.100.8.11.1",
    critical: false,
    extnValue: freshness,
  });
  return issue("00008103-TEST", issuer, publicKey, false, [ext]);
}
