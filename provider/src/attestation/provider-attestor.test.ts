import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { challengePayload, generateKeyPair, registerPayload, toBase64 } from "@darkbloom/crypto";
import { p256 } from "@noble/curves/nist.js";
import { expect } from "chai";
import { loadOrCreateSoftwareIdentity } from "./identity-key.js";
import { ProviderAttestor } from "./provider-attestor.js";

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

  it("signs each model's weight hash (the safetensors files' sha256sum lines) and keeps it for ModelInfo", async () => {
    const dir = path.join(home, "m");
    await mkdir(dir);
    await writeFile(path.join(dir, "model.safetensors"), "weights");
    await writeFile(path.join(dir, "tokenizer.json"), "{}");
    const attestor = new ProviderAttestor({
      identity: await loadOrCreateSoftwareIdentity(home),
      encryptionPublicKey: generateKeyPair().publicKey,
      version: "1.2.3",
      binaryHash: "cd".repeat(32),
      models: () => [{ id: "m", dir }],
      homeDir: home,
      mdaChainPem: "",
      deviceId: "",
    });
    expect(attestor.weightHashOf("m")).to.equal("");
    const proof = await attestor.prepareRegistration();
    const sha = createHash("sha256").update("weights").digest("hex");
    const expected = createHash("sha256").update(`${sha}  model.safetensors\n`).digest("hex");
    const status = JSON.parse(Buffer.from(proof.statusJson).toString()) as {
      models: Array<{ id: string; weightHash: string }>;
    };
    expect(status.models).to.deep.equal([{ id: "m", weightHash: expected }]);
    expect(attestor.weightHashOf("m")).to.equal(expected);
  });
});
