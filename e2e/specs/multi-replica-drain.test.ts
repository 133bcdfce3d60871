import { expect } from "chai";
import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { FakeProvider } from "@darkbloom/testing";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { BEHIND_LOAD_BALANCER_ENV, QUICK_DRAIN_ENV, providersOn } from "../testbed/replicas.js";
import { waitUntil } from "../testbed/wait-until.js";
import { startFakeFleet } from "../testbed/fake-fleet.js";
import { auditLedgerWhenSettled, CLEAN_LEDGER } from "../testbed/ledger-audit.js";
import { startLoadBalancer, type LoadBalancer } from "../testbed/load-balancer.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startProvider,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

const until = (what: string, cond: () => Promise<boolean>, timeoutMs = 15_000) =>
  waitUntil(what, cond, timeoutMs);

/**
 * Two coordinators on one Postgres behind HAProxy; a real provider and a fake fleet connect
 * THROUGH the load balancer, clients send steady streaming load through it. SIGTERM the replica
 * that holds the real provider: readiness takes it out of HAProxy, its in-flight streams finish,
 * its providers move to the survivor (GoAway), zero client requests fail, the ledger is clean.
 */
describe("multi-replica: drain on SIGTERM behind a load balancer", function () {
  this.timeout(180_000);
  let cluster: Cluster | undefined;
  let lb: LoadBalancer | undefined;
  let real: RunningProvider | undefined;
  let fleet: FakeProvider[] = [];
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({
      coordinators: 2,
      users: 4,
      env: {
        ...QUICK_DRAIN_ENV,
        ...BEHIND_LOAD_BALANCER_ENV,
      },
    });
    lb = await startLoadBalancer(cluster.coordinators.map((c) => c.url));
  });
  after(async () => {
    await Promise.all(fleet.map((f) => f.close()));
    await real?.kill();
    await lb?.stop();
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("SIGTERM of one replica under load: streams finish, providers move, zero failures", async () => {
    if (!cluster || !lb) throw new Error("the cluster did not start");
    const coordinators = cluster.coordinators;
    // the real provider first (HAProxy round robin), then fakes alternating over both replicas
    real = await startProvider(lb.url);
    await until("the real provider registered", async () => {
      const counts = await Promise.all(coordinators.map(providersOn));
      return counts.reduce((a, b) => a + b, 0) === 1;
    });
    const holder = (await Promise.all(coordinators.map(providersOn))).findIndex((n) => n === 1);
    const victim = coordinators[holder] as RunningCoordinator;
    const survivor = coordinators[1 - holder] as RunningCoordinator;
    const slow = (prompt: string) => ({
      pieces: Array.from({ length: prompt.includes("long") ? 30 : 6 }, (_, i) => `p${i} `),
      pieceDelayMs: 100,
    });
    // fakes that follow GoAway as the real daemon does (reconnect through the load balancer)
    fleet = await startFakeFleet(
      lb.url,
      4,
      [TEST_MODEL_ID],
      (body) =>
        slow(body.input.case === "chat" ? (body.input.value.messages[0]?.content ?? "") : ""),
      { followGoAway: true },
    );
    const total = 5;
    await until("both replicas hold providers", async () => {
      const counts = await Promise.all(coordinators.map(providersOn));
      return counts.every((n) => n >= 1) && counts.reduce((a, b) => a + b, 0) === total;
    });

    // steady load through the load balancer
    const users = cluster.users;
    let stopLoad = false;
    const failures: string[] = [];
    let ok = 0;
    const worker = async (w: number): Promise<void> => {
      const client = new OpenAI({
        baseURL: `${lb?.url ?? ""}/v1`,
        apiKey: users[w % users.length]?.apiKey ?? "",
        maxRetries: 0,
        timeout: 60_000,
      });
      for (let i = 0; !stopLoad; i++) {
        try {
          const stream = await client.chat.completions.create({
            model: TEST_MODEL_ID,
            messages: [{ role: "user", content: `load ${w}.${i}` }],
            max_tokens: 8,
            stream: true,
          });
          let finish: string | null | undefined;
          for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
          if (!finish) failures.push(`load ${w}.${i}: stream ended without a finish reason`);
          else ok++;
        } catch (err) {
          failures.push(`load ${w}.${i}: ${String(err)}`);
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    try {
      await until("load is flowing", () => Promise.resolve(ok >= 12), 60_000);

      // streams in flight on the victim (straight to it, not through HAProxy)
      const direct = new OpenAI({
        baseURL: `${victim.url}/v1`,
        apiKey: users[0]?.apiKey ?? "",
        maxRetries: 0,
        timeout: 60_000,
      });
      const inFlight = await Promise.all(
        [0, 1, 2].map(async (i) => {
          const stream = await direct.chat.completions.create({
            model: TEST_MODEL_ID,
            messages: [{ role: "user", content: `long stream ${i}` }],
            max_tokens: 48,
            stream: true,
          });
          const it: AsyncIterator<ChatCompletionChunk> = stream[Symbol.asyncIterator]();
          const first = await it.next();
          const chunk: ChatCompletionChunk | undefined = first.done ? undefined : first.value;
          return { it, text: chunk?.choices[0]?.delta.content ?? "" };
        }),
      );
      const sessionsBefore = (await lb.status()).find((s) => s.name === lb?.names[holder]);
      const exited = new Promise<number | null>((resolve) =>
        victim.process.child.once("exit", (code) => resolve(code)),
      );
      victim.process.child.kill("SIGTERM");
      // readiness turns 503 at once, while the replica still answers (drain delay)
      await until("the victim's /readyz answers 503", async () => {
        const res = await fetch(`${victim.url}/readyz`).catch(() => undefined);
        return res?.status === 503;
      });
      expect((await fetch(`${victim.url}/healthz`)).status, "still alive while draining").to.equal(
        200,
      );

      // readiness took it out of HAProxy while it still listened (the drain delay)
      await lb.waitFor("DOWN", [lb.names[holder] ?? ""], 5_000);

      // its in-flight streams finish
      const finished = await Promise.all(
        inFlight.map(async ({ it, text }) => {
          let finish: string | null | undefined;
          for (let r = await it.next(); r.done !== true; r = await it.next()) {
            const chunk: ChatCompletionChunk = r.value;
            text += chunk.choices[0]?.delta.content ?? "";
            finish = chunk.choices[0]?.finish_reason ?? finish;
          }
          return { finish, text };
        }),
      );
      for (const f of finished) {
        expect(f.finish, "an in-flight stream on the draining replica finished").to.be.oneOf([
          "stop",
          "length",
        ]);
        expect(f.text).to.not.equal("");
      }
      expect(await exited, "the drained replica exits 0").to.equal(0);

      // every provider now serves through the survivor, the fakes having moved by GoAway
      await until("providers on the survivor", async () => (await providersOn(survivor)) === total);
      expect(fleet.reduce((n, f) => n + f.moves, 0)).to.be.at.least(1);
      const okAtExit = ok;
      await until("load continues on the survivor", () => Promise.resolve(ok >= okAtExit + 12));
      const victimRow = (await lb.status()).find((s) => s.name === lb?.names[holder]);
      expect(victimRow?.status).to.equal("DOWN");
      expect(sessionsBefore?.sessions, "the victim took load before").to.be.greaterThan(0);
    } finally {
      stopLoad = true;
      await Promise.all(workers);
    }
    expect(failures, `${failures.slice(0, 5).join("\n")}\n${lb.process.output()}`).to.deep.equal(
      [],
    );
    expect(ok).to.be.greaterThan(24);

    const audit = await auditLedgerWhenSettled(cluster.postgres.pool);
    expect(audit).to.deep.include(CLEAN_LEDGER);
  });
});
