import { expect } from "chai";
import { SlotState } from "@darkbloom/proto";
import { FakeProvider } from "@darkbloom/testing";
import { ManualStream } from "../chaos/manual-stream.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { ledgerHealth, waitForSettled } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

/** One request of MAX_TOKENS fits the fake's KV budget; a second one must queue. */
const KV_CAPACITY_TOKENS = 150n;
const MAX_TOKENS = 100;
const KEEP_ALIVE_MS = 100;

describe("a stream that waits in the routing queue", function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  let fake: FakeProvider | undefined;
  const taken = new Set<string>();

  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({
      users: 1,
      creditMicroUsd: 5_000_000n,
      env: {
        DARKBLOOM_SSE_KEEP_ALIVE_MS: String(KEEP_ALIVE_MS),
        DARKBLOOM_HEDGE_ENABLED: "false",
      },
    });
    fake = new FakeProvider({
      url: providerSocketUrl(cluster.coordinators[0]?.url ?? ""),
      models: [TEST_MODEL_ID],
      reply: () => ({ pieces: [], complete: false }),
    });
    await fake.connect();
    fake.send({
      case: "heartbeat",
      value: {
        slots: [
          { modelId: TEST_MODEL_ID, state: SlotState.IDLE, kvCapacityTokens: KV_CAPACITY_TOKENS },
        ],
      },
    });
  });
  after(async () => {
    await fake?.close();
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  const post = (requestId: string, stream: boolean): Promise<Response> =>
    fetch(`${cluster?.coordinators[0]?.url ?? ""}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${cluster?.users[0]?.apiKey ?? ""}`,
        "content-type": "application/json",
        "x-request-id": requestId,
      },
      body: JSON.stringify({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: MAX_TOKENS,
        stream,
      }),
    });

  it("answers 200 at once and sends keep-alive comments while queued, then the whole answer", async () => {
    if (!cluster || !fake) throw new Error("no cluster");
    const first = post("queued-first", false);
    const holder = await ManualStream.next(fake, taken);

    // The budget is taken: this stream waits in the queue, yet its headers come back.
    const res = await post("queued-stream", true);
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/^text\/event-stream/);
    expect(res.headers.get("x-request-id")).to.equal("queued-stream");
    expect(res.headers.get("x-darkbloom-provider"), "nobody serves it yet").to.equal(null);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes(": keep-alive")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the stream ended while queued");
      text += decoder.decode(value, { stream: true });
    }
    expect(text, "no data before a provider answers").not.to.include("data:");
    expect(fake.received.filter((f) => f.kind.case === "inferenceRequest")).to.have.length(1);

    holder.chunk("x");
    holder.complete();
    expect((await first).status).to.equal(200);
    const queued = await ManualStream.next(fake, taken);
    queued.chunk("queued ");
    queued.chunk("answer");
    queued.complete();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const contents = text
      .split("\n\n")
      .filter((e) => e.startsWith("data: {"))
      .map((e) => JSON.parse(e.slice(6)) as { choices: { delta?: { content?: string } }[] })
      .map((c) => c.choices[0]?.delta?.content ?? "")
      .join("");
    expect(contents).to.equal("queued answer");
    expect(text.trimEnd().endsWith("data: [DONE]")).to.equal(true);

    const db = cluster.postgres.pool;
    expect(await waitForSettled(db, ["queued-first", "queued-stream"])).to.deep.equal([]);
    expect((await ledgerHealth(db)).totalMicroUsd).to.equal(0n);
  });

  it("ends a stream that was kept alive in the queue with an error event when its only provider is lost", async () => {
    if (!cluster || !fake) throw new Error("no cluster");
    const first = post("queued-holder-2", false);
    const holder = await ManualStream.next(fake, taken);
    const abort = new AbortController();
    const res = await fetch(`${cluster.coordinators[0]?.url ?? ""}/v1/chat/completions`, {
      method: "POST",
      signal: abort.signal,
      headers: {
        authorization: `Bearer ${cluster.users[0]?.apiKey ?? ""}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: MAX_TOKENS,
        stream: true,
      }),
    });
    expect(res.status).to.equal(200);
    // The only provider goes away around the time the queue releases the stream: nothing can serve it.
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const firstRead = await reader.read();
    text += decoder.decode(firstRead.value, { stream: true });
    holder.chunk("x");
    holder.complete();
    await first;
    fake.kill();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    abort.abort();
    expect(text).to.include(": keep-alive");
    const last = text
      .split("\n\n")
      .filter((e) => e.startsWith("data: {"))
      .at(-1);
    expect(last, "a final error event").to.be.a("string");
    expect((JSON.parse((last ?? "").slice(6)) as { error?: unknown }).error).to.be.an("object");
  });
});
