import { createHash, generateKeyPairSync, webcrypto } from "node:crypto";

type CryptoKey = webcrypto.CryptoKey;
import { p256 } from "@noble/curves/nist.js";
import * as asn1js from "asn1js";
import forge from "node-forge";
import * as pkijs from "pkijs";
import { MDA_OID } from "../identity/mda-chain.js";

/** A generated EC P-256 certificate authority, for tests only (stands in for Apple's roots). */
export interface TestCa {
  name: string;
  certificatePem: string;
  privateKey: CryptoKey;
}

const subtle = webcrypto.subtle;
const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
let serial = 1;

function name(cn: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({
        type: "2.5.4.3",
        value: new asn1js.Utf8String({ value: cn }),
      }),
    ],
  });
}

async function issue(opts: {
  subject: string;
  issuer: string;
  publicKey: CryptoKey;
  signingKey: CryptoKey;
  ca: boolean;
  extensions?: pkijs.Extension[];
  notAfter?: Date;
}): Promise<string> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: serial++ });
  cert.subject = name(opts.subject);
  cert.issuer = name(opts.issuer);
  cert.notBefore.value = new Date(Date.now() - 60_000);
  cert.notAfter.value = opts.notAfter ?? new Date(Date.now() + 86_400_000);
  const basic = new pkijs.BasicConstraints({ cA: opts.ca });
  cert.extensions = [
    new pkijs.Extension({
      extnID: "2.5.29.19",
      critical: true,
      extnValue: basic.toSchema().toBER(false),
      parsedValue: basic,
    }),
    ...(opts.extensions ?? []),
  ];
  await cert.subjectPublicKeyInfo.importKey(opts.publicKey);
  await cert.sign(opts.signingKey, "SHA-256");
  const der = Buffer.from(cert.toSchema(true).toBER(false));
  return `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;
}

/** A self-signed root CA. */
export async function createTestRoot(cn = "Test Attestation Root"): Promise<TestCa> {
  const keys = await subtle.generateKey(EC, true, ["sign", "verify"]);
  const certificatePem = await issue({
    subject: cn,
    issuer: cn,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    ca: true,
  });
  return { name: cn, certificatePem, privateKey: keys.privateKey };
}

/** An intermediate CA signed by `parent`. */
export async function createTestIntermediate(parent: TestCa, cn: string): Promise<TestCa> {
  const keys = await subtle.generateKey(EC, true, ["sign", "verify"]);
  const certificatePem = await issue({
    subject: cn,
    issuer: parent.name,
    publicKey: keys.publicKey,
    signingKey: parent.privateKey,
    ca: true,
  });
  return { name: cn, certificatePem, privateKey: keys.privateKey };
}

const octets = (bytes: Uint8Array): ArrayBuffer =>
  new asn1js.OctetString({ valueHex: bytes }).toBER(false);

/**
 * An MDA leaf (ACME device-attest-01 style) for `identityPublicKey` signed by `issuer`: Apple's
 * serial, UDID and freshness-code extensions; the freshness code is SHA-256(`nonce`), by default
 * the identity key itself (what darkbloom asks the device to attest).
 */
export async function createMdaLeaf(
  issuer: TestCa,
  identityPublicKey: Uint8Array,
  device: { udid: string; serialNumber: string; nonce?: Uint8Array },
): Promise<string> {
  const raw = p256.Point.fromBytes(identityPublicKey).toBytes(false);
  const publicKey = await subtle.importKey("raw", raw, EC, true, ["verify"]);
  const freshness = createHash("sha256")
    .update(device.nonce ?? identityPublicKey)
    .digest();
  const ext = (oid: string, value: ArrayBuffer) =>
    new pkijs.Extension({ extnID: oid, critical: false, extnValue: value });
  return issue({
    subject: device.udid,
    issuer: issuer.name,
    publicKey,
    signingKey: issuer.privateKey,
    ca: false,
    extensions: [
      ext(MDA_OID.serialNumber, new asn1js.Utf8String({ value: device.serialNumber }).toBER(false)),
      ext(MDA_OID.udid, new asn1js.Utf8String({ value: device.udid }).toBER(false)),
      ext(MDA_OID.freshnessCode, octets(freshness)),
    ],
  });
}

/** A device identity certificate (what the profile's ACME payload gets) with its private key. */
export async function createDeviceIdentity(
  issuer: TestCa,
  udid: string,
): Promise<{ certificatePem: string; privateKey: CryptoKey }> {
  const keys = await subtle.generateKey(EC, true, ["sign", "verify"]);
  const certificatePem = await issue({
    subject: udid,
    issuer: issuer.name,
    publicKey: keys.publicKey,
    signingKey: issuer.privateKey,
    ca: false,
    extensions: [
      new pkijs.Extension({
        extnID: MDA_OID.udid,
        critical: false,
        extnValue: new asn1js.Utf8String({ value: udid }).toBER(false),
      }),
    ],
  });
  return { certificatePem, privateKey: keys.privateKey };
}

/** The `Mdm-Signature` a device sends: base64 CMS SignedData, detached, over the body. */
export async function signCheckIn(
  body: Uint8Array,
  identity: { certificatePem: string; privateKey: CryptoKey },
  chainPem: readonly string[] = [],
): Promise<string> {
  const parse = (pem: string) =>
    pkijs.Certificate.fromBER(
      new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ""), "base64")),
    );
  const cert = parse(identity.certificatePem);
  const signed = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: "1.2.840.113549.1.7.1" }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({
          issuer: cert.issuer,
          serialNumber: cert.serialNumber,
        }),
      }),
    ],
    certificates: [cert, ...chainPem.map(parse)],
  });
  await signed.sign(identity.privateKey, 0, "SHA-256", new Uint8Array(body).buffer);
  const info = new pkijs.ContentInfo({
    contentType: pkijs.ContentInfo.SIGNED_DATA,
    content: signed.toSchema(true),
  });
  return Buffer.from(info.toSchema().toBER(false)).toString("base64");
}

/** An RSA profile-signing certificate (self-signed) with its key, as PEM. */
export function createProfileSigner(cn = "Test Profile Signer"): {
  certificatePem: string;
  privateKeyPem: string;
} {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(
    publicKey.export({ type: "spki", format: "pem" }).toString(),
  );
  cert.serialNumber = "01";
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: "commonName", value: cn }]);
  cert.setIssuer([{ name: "commonName", value: cn }]);
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem };
}
