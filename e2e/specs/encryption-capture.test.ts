import { DarkbloomClient } from "@darkbloom/sdk";
import { expect } from "chai";
import OpenAI from "openai";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForAttestedKey,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";
import { RecordingProxy, findLeaks } from "./encryption-recording-proxy.js";

// Distinctive text that cannot occur by chance in ciphertext, logs or protocol bytes.
const PROMPT = "Quokka periwinkle manifesto: zephyr lanterns over Zanzibar, ledger 7741.";

describe("encryption: nothing the coordinator process sees contains the plaintext", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let consumerLink: RecordingProxy | undefined;
  let providerLink: RecordingProxy | undefined;

  before(async () => {
    coordinator = await startCoordinator({ LOG_LEVEL: "debug" });
    consumerLink = await RecordingProxy.start(coordinator.url);
    providerLink = await RecordingProxy.start(coordinator.url);
    provider = await startProvider(providerLink.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    // Sealed mode seals only to attested keys: wait for the provider's first good challenge answer.
    await waitForAttestedKey(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
  });

  after(async () => {
    await provider?.stop();
    await consumerLink?.close();
    await providerLink?.close();
    await coordinator?.stop();
  });

  const captures = () => {
    const a = consumerLink?.bytes();
    const b = providerLink?.bytes();
    return {
      "consumer→coordinator": a?.up ?? Buffer.alloc(0),
      "coordinator→consumer": a?.down ?? Buffer.alloc(0),
      "provider→coordinator": b?.up ?? Buffer.alloc(0),
      "coordinator→provider": b?.down ?? Buffer.alloc(0),
      "coordinator logs": Buffer.from(coordinator?.process.output() ?? ""),
    };
  };

  it("sealed mode: prompt and completion appear in no socket capture and no log", async () => {
    const sdk = new DarkbloomClient({
      baseURL: `${consumerLink?.url}/v1`,
      apiKey: coordinator?.apiKey ?? "",
    });
    const messages = [{ role: "user" as const, content: PROMPT }];
    const plain = await sdk.chat.completions.create({
      model: TEST_MODEL_ID,
      messages,
      max_tokens: 24,
      temperature: 0,
    });
    const completion = plain.choices[0].message.content;
    expect(plain.usage.completion_tokens).to.be.within(1, 24);
    expect(plain.served_by.key_fingerprint).to.match(/^[0-9a-f]{32}$/);

    let streamed = "";
    let chunks = 0;
    const stream = await sdk.chat.completions.create({
      model: TEST_MODEL_ID,
      messages,
      max_tokens: 24,
      temperature: 0,
      stream: true,
    });
    for await (const chunk of stream) {
      chunks++;
      streamed += chunk.choices[0]?.delta.content ?? "";
    }
    expect(chunks).to.be.greaterThan(1);
    expect(streamed).to.equal(completion);
    // The completion must be long enough that finding none of it is meaningful.
    expect(completion.length).to.be.greaterThan(12);

    const all = captures();
    // Both links carried the (sealed) request: the captures are not empty.
    expect(all["consumer→coordinator"].length).to.be.greaterThan(PROMPT.length * 4);
    expect(all["coordinator→provider"].length).to.be.greaterThan(PROMPT.length * 2);
    expect(findLeaks(PROMPT, all), "prompt leaked into").to.deep.equal([]);
    expect(findLeaks(completion, all), "completion leaked into").to.deep.equal([]);
  });

  it("compat mode: the provider link never carries the plaintext (the consumer link does)", async () => {
    const openai = new OpenAI({
      baseURL: `${consumerLink?.url}/v1`,
      apiKey: coordinator?.apiKey ?? "",
      maxRetries: 0,
    });
    const compatPrompt = `${PROMPT} (compat)`;
    const res = await openai.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: compatPrompt }],
      max_tokens: 24,
      temperature: 0,
    });
    const completion = res.choices[0]?.message.content ?? "";
    expect(completion.length).to.be.greaterThan(12);
    const all = captures();
    // The detector works: plain OpenAI traffic shows both texts on the consumer link.
    expect(findLeaks(compatPrompt, all)).to.include("consumer→coordinator");
    expect(findLeaks(completion, all)).to.include("coordinator→consumer");
    const providerSide = {
      "provider→coordinator": all["provider→coordinator"],
      "coordinator→provider": all["coordinator→provider"],
      "coordinator logs": all["coordinator logs"],
    };
    expect(findLeaks(compatPrompt, providerSide)).to.deep.equal([]);
    expect(findLeaks(completion, providerSide)).to.deep.equal([]);
  });
});
