import * as asn1js from "asn1js";
import { expect } from "chai";
import * as pkijs from "pkijs";
import { createProfileSigner } from "../testing/test-ca.js";
import { enrollmentProfile } from "./mobileconfig.js";
import { parsePlist, toPlistXml } from "./plist.js";
import { signProfile } from "./sign-profile.js";

const input = {
  deviceId: "mac-1",
  mdmServerUrl: "https://coord.example/mdm/server",
  checkInUrl: "https://coord.example/v1/mdm/checkin",
  topic: "com.apple.mgmt.External.test",
  acmeDirectoryUrl: "https://coord.example/acme/directory",
  organization: "Darkbloom",
};

describe("signProfile", () => {
  const signer = createProfileSigner();
  const profile = new TextEncoder().encode(toPlistXml(enrollmentProfile(input)));

  it("produces CMS SignedData that verifies with the signing certificate and carries the profile", async () => {
    const der = signProfile(profile, { ...signer, chainPem: [] });
    const info = pkijs.ContentInfo.fromBER(der);
    expect(info.contentType).to.equal(pkijs.ContentInfo.SIGNED_DATA);
    const signed = new pkijs.SignedData({ schema: info.content });
    const verified = await signed.verify({ signer: 0, checkChain: false });
    expect(verified).to.equal(true);
    const content = signed.encapContentInfo.eContent as asn1js.OctetString;
    expect(Buffer.from(content.getValue()).toString()).to.equal(Buffer.from(profile).toString());
  });

  it("fails verification when the signed content is altered", async () => {
    const der = Buffer.from(signProfile(profile, { ...signer, chainPem: [] }));
    const at = der.indexOf(Buffer.from("com.apple.mdm"));
    der[at] = "X".charCodeAt(0);
    const signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(der).content });
    const verified = await signed.verify({ signer: 0, checkChain: false }).catch(() => false);
    expect(verified).to.equal(false);
  });
});

describe("enrollmentProfile", () => {
  it("has an attested hardware-bound ACME payload and an MDM payload using its identity", () => {
    const plist = parsePlist(toPlistXml(enrollmentProfile(input))) as Record<string, unknown>;
    const [acme, mdm] = plist.PayloadContent as Array<Record<string, unknown>>;
    expect(acme).to.include({
      PayloadType: "com.apple.security.acme",
      Attest: true,
      HardwareBound: true,
    });
    expect(acme).to.include({
      KeyType: "ECSECPrimeRandom",
      KeySize: 256,
      ClientIdentifier: "mac-1",
    });
    expect(mdm).to.include({ PayloadType: "com.apple.mdm", CheckInURL: input.checkInUrl });
    expect(mdm?.IdentityCertificateUUID).to.equal(acme?.PayloadUUID);
  });
});
