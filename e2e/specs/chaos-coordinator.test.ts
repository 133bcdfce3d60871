import { expect } from "chai";
import OpenAI from "openai";
import { FakeProvider, freePort } from "@darkbloom/testing";
import { ManualStream } from "../chaos/manual-stream.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { ledgerHealth, settlementsOf, waitForSettled } from "../testbed/ledger-audit.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

describe("chaos: coordinator SIGTERM with streams in flight", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  const extra: RunningCoordinator[] = [];
  let provider: RunningProvider | undefined;
  let fake: FakeProvider | undefined;

  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({
      users: 1,
      env: { DARKBLOOM_SHUTDOWN_GRACE_MS: "15000" },
    });
  });

  after(async () => {
    await fake?.close();
    await provider?.kill();
    for (const c of extra) await c.stop();
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("stops accepting, lets an in-flight stream finish, settles it, and exits 0", async () => {
    if (!cluster) throw new Error("no cluster");
    const coordinator = cluster.coordinators[0] as RunningCoordinator;
    fake = new FakeProvider({
      url: providerSocketUrl(coordinator.url),
      models: [TEST_MODEL_ID],
      reply: () => ({ pieces: [], complete: false }),
    });
    await fake.connect();
    const client = new OpenAI({
      baseURL: `${coordinator.url}/v1`,
      apiKey: cluster.users[0]?.apiKey ?? "",
      maxRetries: 0,
      timeout: 30_000,
    });
    const requestId = "chaos-drain";
    // Headers leave with the first output: start the request, answer it, then read the stream.
    const pending = client.chat.completions.create(
      {
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "go" }],
        max_tokens: 32,
        stream: true,
      },
      { headers: { "x-request-id": requestId } },
    );
    const manual = await ManualStream.next(fake, new Set());
    manual.chunk("a ");
    manual.chunk("b ");
    const stream = await pending;
    const exited = new Promise<number | null>((resolve) =>
      coordinator.process.child.once("exit", (code) => resolve(code)),
    );
    let text = "";
    let finish: string | null | undefined;
    let signalled = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (text === "a b " && !signalled) {
        signalled = true;
        coordinator.process.child.kill("SIGTERM");
        // New connections are refused while the stream is still being served.
        const until = Date.now() + 5_000;
        let refused = false;
        while (!refused && Date.now() < until) {
          refused = await fetch(`${coordinator.url}/health`).then(
            () => false,
            () => true,
          );
          if (!refused) await new Promise((r) => setTimeout(r, 50));
        }
        expect(refused, "a new connection was accepted during the drain").to.equal(true);
        manual.chunk("c ");
        manual.complete();
      }
    }
    expect(text).to.equal("a b c ");
    expect(finish).to.equal("stop");
    expect(await exited).to.equal(0);

    const db = cluster.postgres.pool;
    expect(await waitForSettled(db, [requestId])).to.deep.equal([]);
    expect((await settlementsOf(db, [requestId])).get(requestId)?.completion_tokens).to.equal(3n);
    expect((await ledgerHealth(db)).totalMicroUsd).to.equal(0n);
  });

  it("closes provider sockets on the way out, and providers reconnect to its successor", async () => {
    if (!cluster) throw new Error("no cluster");
    const port = String(await freePort());
    const env = {
      DATABASE_URL: cluster.postgres.url,
      DARKBLOOM_PORT: port,
      DARKBLOOM_SHUTDOWN_GRACE_MS: "5000",
    };
    const first = await startCoordinator(env, { expectAdminKey: false });
    extra.push(first);
    provider = await startProvider(first.url);
    await waitForModel(first.url, cluster.adminKey, TEST_MODEL_ID);
    await first.stop();
    const second = await startCoordinator(env, { expectAdminKey: false });
    extra.push(second);
    await waitForModel(second.url, cluster.adminKey, TEST_MODEL_ID, 30_000);
    const res = await new OpenAI({
      baseURL: `${second.url}/v1`,
      apiKey: cluster.users[0]?.apiKey ?? "",
      maxRetries: 0,
    }).chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "are you back?" }],
      max_tokens: 4,
      temperature: 0,
    });
    expect(res.usage?.completion_tokens).to.be.within(1, 4);
  });
});
