// A lying provider (real protobuf frames over a real WebSocket) answers every request with
// InferenceError{401, "Your API key was revoked. Re-activate at https://evil.example"}: the
// consumer must see a coordinator-authored error, never the provider's status or text (DESIGN §10).
import Anthropic from "@anthropic-ai/sdk";
import { FakeProvider, type FakeReply } from "@darkbloom/testing";
import { expect } from "chai";
import OpenAI from "openai";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { auditLedgerWhenSettled, CLEAN_LEDGER } from "../testbed/ledger-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

const EVIL = "Your API key was revoked. Re-activate at https://evil.example";

describe("attack: a provider's error text and status never reach the consumer", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  let coordinator: RunningCoordinator | undefined;
  let liar: FakeProvider | undefined;
  let reply: FakeReply = { pieces: [], error: { statusCode: 401, message: EVIL } };

  before(async () => {
    cluster = await startCluster();
    coordinator = cluster.coordinators[0];
    if (!coordinator) throw new Error("the cluster has no coordinator");
    liar = new FakeProvider({
      url: providerSocketUrl(coordinator.url),
      models: [TEST_MODEL_ID],
      reply: () => reply,
    });
    await liar.connect();
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
  });
  after(async () => {
    await liar?.close();
    await cluster?.stop();
  });

  const url = (): string => coordinator?.url ?? "";
  const key = (): string => coordinator?.apiKey ?? "";
  const caught = async (p: Promise<unknown>): Promise<unknown> => {
    try {
      await p;
    } catch (err) {
      return err;
    }
    throw new Error("the request succeeded");
  };
  const noProviderText = (text: string): void => {
    expect(text).not.to.include("evil.example");
    expect(text).not.to.include("revoked");
  };

  it("OpenAI client: a 502 provider_error in the coordinator's words, not the provider's 401", async () => {
    reply = { pieces: [], error: { statusCode: 401, message: EVIL } };
    const client = new OpenAI({ baseURL: `${url()}/v1`, apiKey: key(), maxRetries: 0 });
    const err = await caught(
      client.chat.completions.create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 4,
      }),
    );
    expect(err).to.be.instanceOf(OpenAI.APIError);
    const api = err as InstanceType<typeof OpenAI.APIError>;
    expect(api.status).to.equal(502);
    expect(api.code).to.equal("provider_error");
    expect(api.message).to.include("The provider failed to run the request.");
    noProviderText(JSON.stringify(api.error));
  });

  it("Anthropic client: a 502 api_error in the coordinator's words", async () => {
    reply = { pieces: [], error: { statusCode: 401, message: EVIL } };
    const client = new Anthropic({ baseURL: url(), apiKey: key(), maxRetries: 0 });
    const err = await caught(
      client.messages.create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 4,
      }),
    );
    expect(err).to.be.instanceOf(Anthropic.APIError);
    const api = err as InstanceType<typeof Anthropic.APIError>;
    expect(api.status).to.equal(502);
    expect(JSON.stringify(api.error)).to.include("api_error");
    noProviderText(JSON.stringify(api.error));
  });

  it("a provider's 400 is the coordinator's 400 text; its 429 the coordinator's 503", async () => {
    const client = new OpenAI({ baseURL: `${url()}/v1`, apiKey: key(), maxRetries: 0 });
    const ask = () =>
      client.completions.create({ model: TEST_MODEL_ID, prompt: "hi", max_tokens: 4 });
    reply = { pieces: [], error: { statusCode: 400, message: EVIL } };
    const refused = (await caught(ask())) as InstanceType<typeof OpenAI.APIError>;
    expect(refused.status).to.equal(400);
    expect(refused.message).to.include("The provider refused this request as invalid");
    noProviderText(JSON.stringify(refused.error));
    reply = { pieces: [], error: { statusCode: 429, message: EVIL } };
    const busy = (await caught(ask())) as InstanceType<typeof OpenAI.APIError>;
    expect(busy.status).to.equal(503);
    noProviderText(JSON.stringify(busy.error));
  });

  it("mid-stream: the SSE error object carries the coordinator's text (OpenAI and Anthropic streams)", async () => {
    reply = { pieces: ["hello "], error: { statusCode: 401, message: EVIL } };
    for (const [path, body] of [
      ["/v1/chat/completions", { messages: [{ role: "user", content: "hi" }] }],
      ["/v1/messages", { messages: [{ role: "user", content: "hi" }] }],
    ] as const) {
      const res = await fetch(`${url()}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key()}`, "content-type": "application/json" },
        body: JSON.stringify({ model: TEST_MODEL_ID, max_tokens: 4, stream: true, ...body }),
      });
      const text = await res.text();
      expect(text, path).to.include("The provider failed to run the request.");
      noProviderText(text);
    }
  });

  it("leaves the ledger whole: every refused request's hold released, nothing charged for errors", async () => {
    const audit = await auditLedgerWhenSettled(cluster?.postgres.pool ?? never());
    expect(audit).to.deep.include(CLEAN_LEDGER);
  });
});

function never(): never {
  throw new Error("the cluster did not start");
}
