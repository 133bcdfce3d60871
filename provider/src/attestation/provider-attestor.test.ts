import { createHash } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateKeyPair, toBase64 } from "@darkbloom/crypto";
import { p256 } from "@noble/curves/nist.js";
import { expect } from "chai";
import { canonicalJson } from "./canonical-json.js";
import { loadOrCreateSoftwareIdentity } from "./identity-key.js";
import { ProviderAttestor } from "./provider-attestor.js";
import { challengePayload, registerPayload } from "./signed-payloads.js";

const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

// The same vector is pinned in services/attestation/src/identity/signed-payloads.test.ts.
describe("attestation payloads (provider side)", () => {
  it("match the coordinator's byte layout (shared vector)", () => {
    const status = new TextEncoder().encode(
      canonicalJson({ z: 1, a: { y: [true, null], b: "é" } }),
    );
    expect(Buffer.from(status).toString()).to.equal('{"a":{"b":"é","y":[true,null]},"z":1}');
    expect(sha(registerPayload(status))).to.equal(
      "32ba5bd390ae3a7eb010a3b8e63366459798ad557767f2eeec82d3049ea09cd7",
    );
    expect(sha(challengePayload(new Uint8Array(32).fill(7), 1700000000123n, status))).to.equal(
      "c1261277d39519eb409e59fecc7a2a2ef0f4a19fcc651d2358a8a218d15c21b9",
    );
  });
});

describe("ProviderAttestor", () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-attest-"));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("keeps one software identity key in the home folder, readable by the owner only", async () => {
    const a = await loadOrCreateSoftwareIdentity(home);
    const b = await loadOrCreateSoftwareIdentity(home);
    expect(a.kind).to.equal("software");
    expect(Buffer.from(a.publicKey).equals(Buffer.from(b.publicKey))).to.equal(true);
    expect((await stat(path.join(home, "identity-key"))).mode & 0o777).to.equal(0o600);
  });

  it("signs a status vouching for its X25519 key and answers a challenge over nonce and timestamp", async () => {
    const identity = await loadOrCreateSoftwareIdentity(home);
    const keys = generateKeyPair();
    const attestor = new ProviderAttestor({
      identity,
      encryptionPublicKey: keys.publicKey,
      version: "1.2.3",
      binaryHash: "cd".repeat(32),
      models: () => [],
      homeDir: home,
      mdaChainPem: "",
      deviceId: "",
    });
    const proof = await attestor.prepareRegistration();
    const status = JSON.parse(Buffer.from(proof.statusJson).toString()) as Record<string, unknown>;
    expect(status).to.include({ version: "1.2.3", keySource: "software" });
    expect(status.encryptionPublicKey).to.equal(toBase64(keys.publicKey));
    const ok = p256.verify(
      proof.identitySignature,
      registerPayload(proof.statusJson),
      identity.publicKey,
      {
        format: "der",
      },
    );
    expect(ok).to.equal(true);

    const nonce = new Uint8Array(32).fill(9);
    const answer = await attestor.answer({ nonce, timestampMs: 42n } as never);
    const payload = challengePayload(nonce, 42n, answer.statusJson);
    expect(p256.verify(answer.signature, payload, identity.publicKey, { format: "der" })).to.equal(
      true,
    );
    expect(
      p256.verify(
        answer.signature,
        challengePayload(nonce, 43n, answer.statusJson),
        identity.publicKey,
        { format: "der" },
      ),
    ).to.equal(false);
  });
});
