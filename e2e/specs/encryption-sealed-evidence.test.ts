import { DarkbloomClient, DarkbloomError, MemoryIdentityPins } from "@darkbloom/sdk";
import { expect } from "chai";
import { FakeKeySwapProxy, type SwapMode } from "../fakes/fake-key-swap-proxy.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForAttestedKey,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

const ask = (sdk: DarkbloomClient) =>
  sdk.chat.completions.create({
    model: TEST_MODEL_ID,
    messages: [{ role: "user", content: "Which tide pools hold anemones?" }],
    max_tokens: 6,
    temperature: 0,
  });

async function refusalOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DarkbloomError) return err.code;
    throw err;
  }
  return "sealed and sent";
}

describe("encryption: sealed-mode clients verify the provider's own attestation", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  const proxies: FakeKeySwapProxy[] = [];
  const client = (
    baseURL: string,
    extra: Partial<ConstructorParameters<typeof DarkbloomClient>[0]> = {},
  ) =>
    new DarkbloomClient({ baseURL: `${baseURL}/v1`, apiKey: coordinator?.apiKey ?? "", ...extra });
  const throughProxy = async (mode: SwapMode) => {
    const proxy = new FakeKeySwapProxy(coordinator?.url ?? "", mode);
    proxies.push(proxy);
    return { proxy, url: await proxy.start() };
  };
  const sealedCalls = (proxy: FakeKeySwapProxy) =>
    proxy.requests.filter((r) => r.startsWith("POST /v1/sealed/"));

  before(async () => {
    coordinator = await startCoordinator();
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    await waitForAttestedKey(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
  });

  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await provider?.stop();
    await coordinator?.stop();
  });

  it("serves every key with the provider's signed challenge answer", async () => {
    const res = await fetch(
      `${coordinator?.url}/v1/sealed/provider-keys?model=${encodeURIComponent(TEST_MODEL_ID)}`,
      { headers: { authorization: `Bearer ${coordinator?.apiKey}` } },
    );
    const body = (await res.json()) as {
      data: Array<{ public_key: string; evidence: Record<string, unknown> | null }>;
    };
    const evidence = body.data[0]?.evidence;
    expect(evidence).to.include.keys(
      "identity_public_key",
      "status_json",
      "signature",
      "nonce",
      "timestamp_ms",
      "mda_chain_pem",
    );
    const status = JSON.parse(
      Buffer.from(String(evidence?.status_json), "base64").toString("utf8"),
    ) as { encryptionPublicKey: string; keySource: string };
    expect(status.encryptionPublicKey).to.equal(body.data[0]?.public_key);
    expect(status.keySource).to.equal("software");
  });

  it("seals to a real provider after verifying its evidence, and reports what it verified", async () => {
    const done = await ask(client(coordinator?.url ?? ""));
    expect(done.usage.completion_tokens).to.be.within(1, 6);
    expect(done.served_by.trust_level).to.equal("software");
    expect(done.served_by.verified_trust_level).to.equal("software");
    expect(done.served_by.identity_fingerprint).to.match(/^[0-9a-f]{32}$/);
  });

  it("refuses to seal when the coordinator swaps in its own key: nothing is reserved or sent", async () => {
    const { proxy, url } = await throughProxy("swap-key");
    expect(await refusalOf(ask(client(url)))).to.equal("attestation_key_mismatch");
    expect(proxy.requests).to.include("GET /v1/sealed/provider-keys");
    expect(sealedCalls(proxy)).to.deep.equal([]);
  });

  it("stops a coordinator that signs its key with an identity of its own, by pinned identity", async () => {
    const honest = await ask(client(coordinator?.url ?? ""));
    const { proxy, url } = await throughProxy("impersonate");
    const pinned = client(url, { pinnedIdentities: [honest.served_by.identity_fingerprint] });
    expect(await refusalOf(ask(pinned))).to.equal("identity_not_pinned");
    // trust on first use: the identity seen first for the provider id is the only one accepted
    const pins = new MemoryIdentityPins();
    await ask(client(coordinator?.url ?? "", { identityPins: pins }));
    expect(await refusalOf(ask(client(url, { identityPins: pins })))).to.equal("identity_changed");
    // requiring hardware+MDA without the roots to check it is refused outright
    const mda = client(url).chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "x" }],
      min_trust: "hardware_mda",
    });
    expect(await refusalOf(mda)).to.equal("attestation_roots_required");
    expect(sealedCalls(proxy)).to.deep.equal([]);
  });
});
