import { expect } from "chai";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

const CHALLENGE_INTERVAL_MS = 300;
const MAX_AGE_MS = 1500;

describe("attestation with a real provider process", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;

  before(async () => {
    coordinator = await startCoordinator({
      DARKBLOOM_ATTESTATION_CHALLENGE_INTERVAL_MS: String(CHALLENGE_INTERVAL_MS),
      DARKBLOOM_ATTESTATION_MAX_AGE_MS: String(MAX_AGE_MS),
      DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS: "60000",
    });
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
  });

  after(async () => {
    provider?.process.child.kill("SIGCONT");
    await provider?.stop();
    await coordinator?.stop();
  });

  const chat = (headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${coordinator?.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${coordinator?.apiKey}`,
        "content-type": "application/json",
        ...headers,
      },
      body: JSON.stringify({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 2,
      }),
    });

  async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
    const until = Date.now() + 30_000;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`not within 30 s: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`${coordinator?.metricsUrl}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    return Number(line?.split(" ")[1] ?? 0);
  }

  it("serves through a provider that signed its key, at trust level software", async () => {
    await eventually(async () => (await chat()).status === 200, "a first answer");
    const res = await chat({ "X-Darkbloom-Min-Trust": "software" });
    expect(res.status).to.equal(200);
    expect(res.headers.get("x-darkbloom-trust-level")).to.equal("software");
    expect(res.headers.get("x-darkbloom-key-fingerprint")).to.match(/^[0-9a-f]{32}$/);
    expect(await metric("darkbloom_attestation_good_answers_total")).to.be.greaterThan(0);
  });

  it("refuses a request that requires more trust than any provider has", async () => {
    const res = await chat({ "X-Darkbloom-Min-Trust": "hardware+mda" });
    expect(res.status).to.be.within(400, 599);
    const bad = await chat({ "X-Darkbloom-Min-Trust": "platinum" });
    expect(bad.status).to.equal(400);
  });

  /** Providers attestation offers keys for (routable ones), through the admin Connect API. */
  async function attestedProviders(): Promise<number> {
    const res = await fetch(`${coordinator?.url}/darkbloom.v1.AttestationService/GetProviderKeys`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${coordinator?.apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ model: TEST_MODEL_ID }),
    });
    const body = (await res.json()) as { keys?: unknown[] };
    return body.keys?.length ?? 0;
  }

  it("stops routing to a provider that stops answering challenges and resumes after a good answer", async () => {
    expect(await attestedProviders()).to.equal(1);
    const child = provider?.process.child;
    child?.kill("SIGSTOP"); // the provider can no longer answer challenges (or anything)
    try {
      await eventually(async () => (await attestedProviders()) === 0, "the provider is fenced");
      const res = await chat();
      expect(res.status).to.not.equal(200);
    } finally {
      child?.kill("SIGCONT");
    }
    await eventually(async () => (await attestedProviders()) === 1, "the provider answers again");
    expect((await chat()).status).to.equal(200);
  });
});
