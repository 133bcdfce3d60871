import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  fromBase64,
  generateKeyPair,
  keyFingerprint,
  publicKeyFromSecret,
  type KeyPair,
} from "@darkbloom/crypto";
import type { FakeProvider } from "@darkbloom/testing";
import { p256 } from "@noble/curves/nist.js";
import { expect } from "chai";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { fakeImpostor } from "../testbed/fakes/fake-impostor.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { auditLedgerWhenSettled, CLEAN_LEDGER } from "../testbed/ledger-audit.js";
import {
  startProvider,
  waitForAttestedKey,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

interface ProviderKeyJson {
  provider_id: string;
  public_key: string;
  evidence?: { identity_public_key: string };
}

/**
 * DESIGN §10: a provider proves possession of its X25519 secret key and of its identity key at
 * registration; its id is bound to that identity; a new session cannot evict a live one. A real
 * victim provider process serves; impostors speak the real protocol over real sockets.
 */
describe("attack: provider id takeover", function () {
  this.timeout(240_000);
  let cluster: Cluster | undefined;
  let coordinator: RunningCoordinator;
  let victim: RunningProvider | undefined;
  let home = "";
  const impostors: FakeProvider[] = [];

  before(async () => {
    cluster = await startCluster({
      env: {
        DARKBLOOM_PROVIDER_PROBE_TIMEOUT_MS: "1000",
        DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS: "60000",
      },
    });
    const first = cluster.coordinators[0];
    if (!first) throw new Error("the cluster has no coordinator");
    coordinator = first;
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-victim-"));
    victim = await startProvider(coordinator.url, { home });
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    await waitForAttestedKey(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
  });

  afterEach(async () => {
    await Promise.all(impostors.splice(0).map((p) => p.close()));
  });

  after(async () => {
    victim?.process.child.kill("SIGCONT");
    await victim?.stop();
    await cluster?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const chat = async (): Promise<number> => {
    const res = await fetch(`${coordinator.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${coordinator.apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 2,
      }),
    });
    await res.arrayBuffer();
    return res.status;
  };

  /** The sealed-mode key list: public to any consumer, so to any attacker. */
  const providerKeys = async (): Promise<ProviderKeyJson[]> => {
    const res = await fetch(
      `${coordinator.url}/v1/sealed/provider-keys?model=${encodeURIComponent(TEST_MODEL_ID)}`,
      { headers: { authorization: `Bearer ${coordinator.apiKey}` } },
    );
    return ((await res.json()) as { data?: ProviderKeyJson[] }).data ?? [];
  };

  /** The victim's key files (what an attacker who broke into the machine could copy). */
  const stolen = async (): Promise<{ encryption: KeyPair; identitySecret: Uint8Array }> => {
    const read = async (name: string) =>
      new Uint8Array(Buffer.from((await readFile(path.join(home, name), "utf8")).trim(), "base64"));
    const secretKey = await read("encryption-key");
    return {
      encryption: { secretKey, publicKey: publicKeyFromSecret(secretKey) },
      identitySecret: await read("identity-key"),
    };
  };

  const connectImpostor = (encryptionKeys: KeyPair, identitySecret?: Uint8Array) => {
    const p = fakeImpostor({
      url: providerSocketUrl(coordinator.url),
      models: [TEST_MODEL_ID],
      encryptionKeys,
      identitySecret,
    });
    impostors.push(p);
    return p.connect();
  };

  const refusal = (attempt: Promise<string>): Promise<string> =>
    attempt.then(
      (id) => expect.fail(`the impostor registered as ${id}`),
      (err: Error) => err.message,
    );

  /** The victim is still the one provider behind its id, vouched for by its own identity. */
  async function expectVictimServing(): Promise<void> {
    const { encryption, identitySecret } = await stolen();
    const keys = await providerKeys();
    expect(keys.map((k) => k.provider_id)).to.deep.equal([keyFingerprint(encryption.publicKey)]);
    const vouchedBy = keys[0]?.evidence?.identity_public_key ?? "";
    expect(fromBase64(vouchedBy)).to.deep.equal(p256.getPublicKey(identitySecret, true));
    for (let i = 0; i < 3; i++) expect(await chat()).to.equal(200);
  }

  async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
    const until = Date.now() + 60_000;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`not within 60 s: ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it("refuses an impostor announcing the victim's public key with its own identity: it cannot open the key proof, and the victim keeps serving", async () => {
    const [key] = await providerKeys();
    const publicKey = fromBase64(key?.public_key ?? "");
    const impostor = { publicKey, secretKey: generateKeyPair().secretKey };
    expect(await refusal(connectImpostor(impostor))).to.equal("refused: key_proof_failed");
    await expectVictimServing();
  });

  it("refuses an impostor holding the victim's stolen secret key under another identity: the id is bound to the victim's identity", async () => {
    const { encryption } = await stolen();
    expect(await refusal(connectImpostor(encryption))).to.equal("refused: identity_mismatch");
    await expectVictimServing();
  });

  it("refuses a second session of the victim's id while the victim answers its probe, and accepts it once the victim stops answering", async () => {
    const { encryption, identitySecret } = await stolen();
    expect(await refusal(connectImpostor(encryption, identitySecret))).to.equal(
      "refused: provider_already_connected",
    );
    await expectVictimServing();

    const child = victim?.process.child;
    child?.kill("SIGSTOP"); // a frozen provider: its socket is open but nothing answers
    try {
      const id = await connectImpostor(encryption, identitySecret);
      expect(id).to.equal(keyFingerprint(encryption.publicKey));
    } finally {
      await Promise.all(impostors.splice(0).map((p) => p.close()));
      child?.kill("SIGCONT");
    }
    // the victim, replaced while frozen, reconnects and gets its id back
    await eventually(async () => (await chat()) === 200, "the victim serves again");
    await expectVictimServing();
  });

  it("lets the legitimate provider back in when it restarts with the same keys", async () => {
    const before = (await providerKeys()).map((k) => k.provider_id);
    await victim?.stop();
    victim = await startProvider(coordinator.url, { home });
    await waitForAttestedKey(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    await eventually(async () => (await chat()) === 200, "the restarted provider serves");
    expect((await providerKeys()).map((k) => k.provider_id)).to.deep.equal(before);
    await expectVictimServing();
  });

  it("binds the id to a new identity only after an admin resets the binding (victim offline)", async () => {
    const { encryption } = await stolen();
    await victim?.stop();
    victim = undefined;
    expect(await refusal(connectImpostor(encryption))).to.equal("refused: identity_mismatch");
    const reset = await fetch(
      `${coordinator.url}/darkbloom.v1.AttestationService/ResetProviderIdentity`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${coordinator.apiKey}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ providerId: keyFingerprint(encryption.publicKey) }),
      },
    );
    expect(reset.status).to.equal(200);
    expect(await reset.json()).to.deep.equal({ wasBound: true });
    expect(await connectImpostor(encryption)).to.equal(keyFingerprint(encryption.publicKey));
  });

  it("leaves the ledger whole: the victim was paid for what it served, nothing is stuck", async () => {
    const db = cluster?.postgres.pool;
    if (!db) throw new Error("the cluster did not start");
    const audit = await auditLedgerWhenSettled(db);
    expect(audit).to.deep.include(CLEAN_LEDGER);
    expect(audit.settlements.length).to.be.greaterThan(0);
  });
});
