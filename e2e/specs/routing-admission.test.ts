import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { RoutingService } from "@darkbloom/proto";
import { expect } from "chai";
import OpenAI from "openai";
import { neverEnding, TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

function routingAdmin(url: string, key: string): Client<typeof RoutingService> {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };
  return createClient(
    RoutingService,
    createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [bearer] }),
  );
}

describe("routing with a real provider: admission by token budget, 429 + Retry-After, cancellation", function () {
  this.timeout(120_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let client: OpenAI;
  let admin: Client<typeof RoutingService>;
  // Aborted in after() too, so a failed assertion never leaves the stream's socket open.
  const abort = new AbortController();

  before(async () => {
    // A queue bound of 0: a request that does not fit the KV budget is refused at once.
    coordinator = await startCoordinator({
      DARKBLOOM_QUEUE_MAX_DEPTH: "0",
      DARKBLOOM_HEARTBEAT_INTERVAL_MS: "250",
    });
    // The provider advertises 3,000 KV tokens (the test model's context is 2,048): one request of
    // 2,000 max tokens fits, two do not.
    provider = await startProvider(coordinator.url, {
      env: { DARKBLOOM_KV_CAPACITY_TOKENS: "3000" },
    });
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    client = new OpenAI({
      baseURL: `${coordinator.url}/v1`,
      apiKey: coordinator.apiKey,
      maxRetries: 0,
    });
    admin = routingAdmin(coordinator.url, coordinator.apiKey);
  });

  after(async () => {
    abort.abort();
    await provider?.stop();
    await coordinator?.stop();
  });

  const inFlight = async (): Promise<number> =>
    (await admin.listProviders({})).providers.reduce((n, p) => n + p.inFlight, 0);

  it("answers 429 with Retry-After while a running request holds the KV budget, and a consumer abort frees the provider", async () => {
    const big = {
      model: TEST_MODEL_ID,
      messages: [{ role: "user" as const, content: "Go on." }],
      max_tokens: 2000,
      // The test model's random weights may end an answer after a few tokens; this one must run.
      logit_bias: neverEnding(),
    };
    const stream = await client.chat.completions.create(
      { ...big, stream: true },
      { signal: abort.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    expect(await inFlight()).to.equal(1);

    const refused = await client.chat.completions.create(big).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(OpenAI.APIError);
    const apiError = refused as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).to.equal(429);
    expect(Number(apiError.headers?.get("retry-after"))).to.be.at.least(1);

    abort.abort();
    await iterator.return?.();
    while ((await inFlight()) !== 0) await new Promise((r) => setTimeout(r, 20));

    const small = await client.chat.completions.create({ ...big, max_tokens: 4 });
    expect(small.choices[0]?.message.content).to.be.a("string");
  });
});
