import { randomUUID } from "node:crypto";
import { expect } from "chai";
import OpenAI from "openai";
import { startFakeFleet } from "../testbed/fake-fleet.js";
import { auditLedgerWhenSettled, CLEAN_LEDGER, settlementsOf } from "../testbed/ledger-audit.js";
import { startReplicas, type Replicas } from "../testbed/replicas.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

describe("many replicas as one network: presence and forwarding", function () {
  this.timeout(180_000);
  let net: Replicas | undefined;
  const replicas = (): Replicas => {
    if (!net) throw new Error("before hook did not run");
    return net;
  };
  const at = (i: number): RunningCoordinator => {
    const c = replicas().coordinators[i];
    if (!c) throw new Error(`no replica ${i}`);
    return c;
  };
  const clientOf = (c: RunningCoordinator, apiKey: string): OpenAI =>
    new OpenAI({ baseURL: `${c.url}/v1`, apiKey, maxRetries: 0 });

  before(async () => {
    net = await startReplicas(3, { users: 1 });
  });
  after(async () => {
    await net?.stop();
  });

  it("streams a request sent to replica A from a provider connected to replica C, settled once", async () => {
    const n = replicas();
    const fleet = await startFakeFleet(at(2).url, 2, [TEST_MODEL_ID]);
    n.fakes.push(fleet);
    const user = n.users[0];
    if (!user) throw new Error("no user");
    await waitForModel(at(0).url, user.apiKey, TEST_MODEL_ID);

    const requestId = randomUUID();
    const stream = await clientOf(at(0), user.apiKey).chat.completions.create(
      {
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hello" }],
        max_tokens: 6,
        stream: true,
      },
      { headers: { "x-request-id": requestId } },
    );
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";

    expect(text).to.match(/^w0 w1 /);
    expect(fleet.reduce((sum, f) => sum + f.requests.length, 0)).to.equal(1);
    const audit = await auditLedgerWhenSettled(n.postgres.pool);
    expect(audit).to.deep.include(CLEAN_LEDGER);
    const settled = await settlementsOf(n.postgres.pool, [requestId]);
    expect(settled.size).to.equal(1);
    expect(audit.settlements).to.have.length(1);
  });
});
