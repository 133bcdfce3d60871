import { randomUUID } from "node:crypto";
import { expect } from "chai";
import OpenAI from "openai";
import { FakeProvider } from "@darkbloom/testing";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { auditLedgerWhenSettled, CLEAN_LEDGER, ledgerHealth } from "../testbed/ledger-audit.js";
import { startLoadBalancer, type LoadBalancer } from "../testbed/load-balancer.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import {
  startReplicas,
  type Replicas,
  BEHIND_LOAD_BALANCER_ENV,
  providersOn,
} from "../testbed/replicas.js";
import { waitUntil } from "../testbed/wait-until.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startProvider,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

/** Reads a stream until it has `pieces` deltas; returns the iterator to read the rest. */
async function startStream(client: OpenAI, model: string, requestId: string, pieces: number) {
  const stream = await client.chat.completions.create(
    { model, messages: [{ role: "user", content: "go" }], max_tokens: 64, stream: true },
    { headers: { "x-request-id": requestId } },
  );
  const it = stream[Symbol.asyncIterator]();
  let text = "";
  while (text.split(" ").length <= pieces) {
    const r = await it.next();
    if (r.done) break;
    text += r.value.choices[0]?.delta.content ?? "";
  }
  return { it, text };
}

/** Reads to the end: the text, and the error the stream ended with (if any). */
async function finish(s: Awaited<ReturnType<typeof startStream>>) {
  let text = s.text;
  try {
    for (let r = await s.it.next(); r.done !== true; r = await s.it.next())
      text += r.value.choices[0]?.delta.content ?? "";
    return { text, error: undefined };
  } catch (err) {
    return { text, error: err };
  }
}

/**
 * Three replicas behind HAProxy; a real provider connects through the load balancer, a fake on
 * each replica serves a model of its own. `kill -9` of the replica holding the real provider, in
 * the middle of streams: a stream a survivor relayed from the dead replica's provider ends with an
 * error event (after its delivered tokens), a stream whose edge was the dead replica breaks and
 * its hold is swept by the survivors; the real provider reconnects through the load balancer and
 * serves through a survivor within 10 s; the ledger balances with no hold left.
 */
describe("multi-replica: kill -9 of one replica behind a load balancer", function () {
  this.timeout(240_000);
  let net: Replicas | undefined;
  let lb: LoadBalancer | undefined;
  let real: RunningProvider | undefined;
  const fakes: FakeProvider[] = [];
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    net = await startReplicas(3, {
      users: 2,
      env: {
        ...BEHIND_LOAD_BALANCER_ENV,
        // holds of a replica that died are released by a survivor's sweeper
        DARKBLOOM_HOLD_HEARTBEAT_INTERVAL_MS: "1000",
        DARKBLOOM_HOLD_SWEEP_AFTER_MS: "4000",
        DARKBLOOM_HOLD_SWEEP_INTERVAL_MS: "500",
      },
    });
    lb = await startLoadBalancer(net.coordinators.map((c) => c.url));
  });
  after(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await real?.kill();
    await lb?.stop();
    await net?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("relayed streams end with an error, the providers serve through the survivors within 10 s, no hold stuck", async () => {
    if (!net || !lb) throw new Error("the replicas did not start");
    const replicas = net;
    const balancer = lb;
    const users = replicas.users.map((u) => u.apiKey);
    const client = (url: string) =>
      new OpenAI({ baseURL: `${url}/v1`, apiKey: users[0] ?? "", maxRetries: 0, timeout: 60_000 });

    real = await startProvider(balancer.url);
    await waitUntil("the real provider registered", async () => {
      const counts = await Promise.all(replicas.coordinators.map(providersOn));
      return counts.reduce((a, b) => a + b, 0) === 1;
    });
    const counts = await Promise.all(replicas.coordinators.map(providersOn));
    const v = counts.findIndex((n) => n === 1);
    const victim = replicas.coordinators[v] as RunningCoordinator;
    const survivor = replicas.coordinators[(v + 1) % 3] as RunningCoordinator;
    // a slow fake of a model of its own on the victim (its streams are relayed to the survivors)
    const slow = { pieces: Array.from({ length: 40 }, (_, i) => `s${i} `), pieceDelayMs: 150 };
    const onVictim = new FakeProvider({
      url: providerSocketUrl(victim.url),
      models: ["model-on-victim"],
      reply: () => slow,
    });
    fakes.push(onVictim);
    await onVictim.connect();
    const models = async (c: RunningCoordinator): Promise<string[]> => {
      const res = await fetch(`${c.url}/v1/models`, {
        headers: { authorization: `Bearer ${users[0] ?? ""}` },
      });
      const body = (await res.json()) as { data: { id: string; providers?: number }[] };
      return body.data.filter((m) => (m.providers ?? 0) > 0).map((m) => m.id);
    };
    await waitUntil("both models listed on the survivor", async () => {
      const m = await models(survivor);
      return m.includes("model-on-victim") && m.includes(TEST_MODEL_ID);
    });

    // streams in flight: relayed by the survivor from the victim's provider, and one whose edge is
    // the victim itself (its hold is the victim's)
    const relayedId = `relayed-${randomUUID()}`;
    const edgeId = `edge-on-victim-${randomUUID()}`;
    const relayed = await startStream(client(survivor.url), "model-on-victim", relayedId, 2);
    const onEdge = await startStream(client(victim.url), "model-on-victim", edgeId, 2);
    expect((await ledgerHealth(replicas.postgres.pool)).openHolds).to.include.members([
      relayedId,
      edgeId,
    ]);

    const killedAt = Date.now();
    await victim.process.kill();
    const [relayedEnd, edgeEnd] = await Promise.all([finish(relayed), finish(onEdge)]);
    expect(relayedEnd.error, "the relayed stream ends with an error event").to.be.instanceOf(
      OpenAI.APIError,
    );
    expect(relayedEnd.text).to.match(/^s0 s1 /);
    expect(relayedEnd.text).to.not.contain("s39");
    expect(edgeEnd.error, "the stream whose edge died breaks").to.be.instanceOf(Error);

    // the real provider reconnects through the load balancer and serves through a survivor
    await balancer.waitFor("DOWN", [balancer.names[v] ?? ""], 10_000);
    let served = "";
    await waitUntil(
      "the real provider serves through the load balancer",
      async () => {
        try {
          const res = await client(balancer.url).chat.completions.create({
            model: TEST_MODEL_ID,
            messages: [{ role: "user", content: "after the crash" }],
            max_tokens: 4,
          });
          served = res.choices[0]?.finish_reason ?? "";
          return served === "stop" || served === "length";
        } catch {
          return false;
        }
      },
      10_000,
    );
    expect(Date.now() - killedAt, "serving again within 10 s of the kill").to.be.below(10_000);
    // and from every survivor (presence moved it off the dead replica everywhere)
    for (const c of replicas.coordinators.filter((_, i) => i !== v)) {
      const res = await client(c.url).chat.completions.create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "from each survivor" }],
        max_tokens: 4,
      });
      expect(res.choices[0]?.message.content).to.not.equal("");
    }

    // the dead replica's hold is swept by a survivor; everything else settled
    await waitUntil(
      "no hold open",
      async () => (await ledgerHealth(replicas.postgres.pool)).openHolds.length === 0,
      30_000,
    );
    const audit = await auditLedgerWhenSettled(replicas.postgres.pool);
    expect(audit).to.deep.include(CLEAN_LEDGER);
  });
});
