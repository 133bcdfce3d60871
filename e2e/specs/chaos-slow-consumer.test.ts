import http from "node:http";
import { expect } from "chai";
import { FakeProvider } from "@darkbloom/testing";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { ledgerHealth, settlementsOf, waitForSettled } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

const CHUNKS = 8_000;
const CHUNK_BYTES = 4_000;

describe("chaos: a consumer that stops reading its stream", function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  let fake: FakeProvider | undefined;
  let request: http.ClientRequest | undefined;

  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({ users: 1 });
    fake = new FakeProvider({
      url: providerSocketUrl(cluster.coordinators[0]?.url ?? ""),
      models: [TEST_MODEL_ID],
      // Far more than socket buffers hold: a reader that stops must fill them.
      reply: () => ({
        pieces: Array.from({ length: CHUNKS }, () => "y".repeat(CHUNK_BYTES)),
        complete: false,
      }),
    });
    await fake.connect();
  });

  after(async () => {
    request?.destroy();
    await fake?.close();
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("cuts the stream off and charges only what was written before the cut", async () => {
    if (!cluster || !fake) throw new Error("no cluster");
    const url = new URL("/v1/chat/completions", cluster.coordinators[0]?.url);
    const requestId = "chaos-slow-consumer";
    const body = JSON.stringify({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "flood me" }],
      max_tokens: CHUNKS + 10,
      stream: true,
    });
    // A raw client that reads the first bytes and then stops reading.
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      request = http.request(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${cluster?.users[0]?.apiKey ?? ""}`,
          "content-type": "application/json",
          "x-request-id": requestId,
        },
      });
      request.on("response", resolve);
      request.on("error", reject);
      request.end(body);
    });
    expect(response.statusCode).to.equal(200);
    let text = "";
    response.on("data", (b: Buffer) => (text += b.toString()));
    response.on("error", () => undefined);
    await new Promise((r) => response.once("data", r));
    response.pause();

    // The edge gives up on the stalled reader and settles what it wrote.
    const db = cluster.postgres.pool;
    expect(await waitForSettled(db, [requestId], 20_000)).to.deep.equal([]);
    // Reading again: what was buffered arrives, then the stream stops without [DONE].
    response.resume();
    await new Promise<void>((r) => {
      response.once("end", () => r());
      response.once("close", () => r());
      response.once("error", () => r());
    });
    expect(text).to.not.contain("[DONE]");
    const delivered = text.split("\n").filter((l) => l.includes('"content":"y')).length;
    expect(delivered).to.be.within(1, CHUNKS - 1);
    const settled = (await settlementsOf(db, [requestId])).get(requestId);
    // Charged for what was written to the socket: at least what the reader got, never all.
    expect(Number(settled?.completion_tokens)).to.be.within(delivered, CHUNKS - 1);
    expect((await ledgerHealth(db)).totalMicroUsd).to.equal(0n);
    // The provider is told to stop generating for the consumer that is gone.
    const cancel = await fake.waitFor("cancel", 10_000);
    const dispatched = fake.received.find((f) => f.kind.case === "inferenceRequest");
    expect(cancel.kind.case === "cancel" && cancel.kind.value.requestId).to.equal(
      dispatched?.kind.case === "inferenceRequest" && dispatched.kind.value.requestId,
    );
  });
});
