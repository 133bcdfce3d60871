import { randomBytes, randomUUID } from "node:crypto";
import { createAccount, createApiKey, SCOPES } from "@darkbloom/auth";
import { sql } from "@darkbloom/db";
import type { FakeProvider } from "@darkbloom/testing";
import { expect } from "chai";
import OpenAI from "openai";
import { z } from "zod";
import { ManualStream } from "../chaos/manual-stream.js";
import { scrapeMetric } from "../chaos/metrics.js";
import { startFakeFleet } from "../testbed/fake-fleet.js";
import {
  coordinatorResource,
  secretResource,
  startKubeCluster,
  until,
  type KubeCluster,
} from "../testbed/kube-cluster.js";
import { auditLedgerWhenSettled, CLEAN_LEDGER, settlementsOf } from "../testbed/ledger-audit.js";
import { startSharedPostgres, type SharedPostgres } from "../testbed/shared-postgres.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { waitForModel } from "../testbed/testbed.js";
import { createUserPool } from "../testbed/user-pool.js";

interface PodView {
  metadata: { name: string };
  status?: {
    podIP?: string;
    phase?: string;
    conditions?: { type: string; status: string }[];
  };
}

/** A pod the fake node runs: its name and the URL of its coordinator process. */
interface ServingPod {
  name: string;
  ip: string;
  url: string;
}

const ipOrder = (a: ServingPod, b: ServingPod) =>
  Number(a.ip.split(".").at(-1)) - Number(b.ip.split(".").at(-1));

describe("operator + fake API server + fake node: kubectl scale to 3 coordinators serving one network", function () {
  this.timeout(300_000);
  let pg: SharedPostgres | undefined;
  let cluster: KubeCluster | undefined;
  const fakes: FakeProvider[] = [];
  /** The pods serving after the scale to 3, in start order (the fake node numbers addresses up). */
  let three: ServingPod[] = [];

  before(async () => {
    pg = await startSharedPostgres();
    cluster = await startKubeCluster({ node: true });
  });

  after(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
    await cluster?.stop();
    await pg?.stop();
  });

  const k = () => cluster as KubeCluster;
  const db = () => (pg as SharedPostgres).pool;

  /**
   * Pods that are Ready — the fake node's probe of the pod's real /readyz, written into the Pod's
   * status — and whose coordinator process answers on the pod's own address and port.
   */
  const serving = async (): Promise<ServingPod[]> => {
    const pods = (
      JSON.parse(await k().kubectl(["get", "pods", "-o", "json"])) as { items: PodView[] }
    ).items;
    const out: ServingPod[] = [];
    for (const p of pods) {
      const ip = p.status?.podIP;
      const ready = p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      if (p.status?.phase !== "Running" || !ip || !ready) continue;
      const url = `http://${ip}:8080`;
      const res = await fetch(`${url}/readyz`).catch(() => undefined);
      await res?.body?.cancel();
      if (res?.status === 200) out.push({ name: p.metadata.name, ip, url });
    }
    return out.sort(ipOrder);
  };

  it("a Coordinator of 1, then kubectl scale --replicas 3: three coordinator processes, each Ready from its own /readyz, registered in one presence table under their pod names and addresses", async () => {
    const key32 = () => randomBytes(32).toString("base64");
    await k().apply(
      secretResource("darkbloom-db", { url: (pg as SharedPostgres).url }),
      secretResource("darkbloom-secrets", {
        prefixHashSecret: key32(),
        keyEncryptionKey: key32(),
        adminKey: "unused",
        peerSecret: key32(),
      }),
      coordinatorResource({
        config: [
          { name: "DARKBLOOM_SECURITY_MODE", value: "development" },
          { name: "DARKBLOOM_HEARTBEAT_INTERVAL_MS", value: "500" },
        ],
      }),
    );
    const [first] = await until("one coordinator pod Ready", async () => {
      const s = await serving();
      return s.length === 1 ? s : undefined;
    });

    expect(await k().kubectl(["scale", "coordinator/main", "--replicas", "3"])).to.include(
      "scaled",
    );
    three = await until(
      "three coordinator pods Ready",
      async () => {
        const s = await serving();
        return s.length === 3 ? s : undefined;
      },
      150_000,
    );
    expect(three[0]).to.deep.equal(first);
    // The readiness the fake node reported reaches the Deployment and the Coordinator's status.
    await k().kubectl(["wait", "--for=condition=Ready", "coordinator/main", "--timeout=60s"]);
    expect(
      await k().kubectl(["get", "coordinator", "main", "-o", "jsonpath={.status.readyReplicas}"]),
    ).to.equal("3");

    const replicas = await until("all three replicas in presence", async () => {
      const rows = await db().any(
        sql.type(z.object({ replica_id: z.string(), advertise_url: z.string() }))`
          SELECT replica_id, advertise_url FROM routing_replicas WHERE expires_at > now()`,
      );
      return rows.length === 3 ? rows : undefined;
    });
    expect(
      replicas.map((r) => [r.replica_id, r.advertise_url]).sort(),
      "replica id = pod name, advertised at the pod's address",
    ).to.deep.equal(three.map((p) => [p.name, p.url]).sort());
  });

  it("a provider connected to the first pod serves an OpenAI stream sent to the third; the third counts it in darkbloom_active_streams while it is open; settled once, ledger clean", async () => {
    const [pod1, , pod3] = three;
    if (!pod1 || !pod3) throw new Error("the scale test did not leave three pods");
    // The installer's admin key, made with direct database access as a platform team would.
    const admin = await createAccount(db(), "e2e-admin", "admin");
    const adminKey = (await createApiKey(db(), admin.id, "e2e", SCOPES)).key;
    const [user] = await createUserPool(db(), pod1.url, adminKey, {
      users: 1,
      creditMicroUsd: 10_000_000n,
      namePrefix: "kube-scale",
    });
    if (!user) throw new Error("no user");
    // The test sends the provider's chunks by hand, so the stream stays open while it looks.
    const fleet = await startFakeFleet(pod1.url, 1, [TEST_MODEL_ID], () => ({
      pieces: [],
      complete: false,
    }));
    fakes.push(...fleet);
    const fake = fleet[0] as FakeProvider;
    await waitForModel(pod3.url, user.apiKey, TEST_MODEL_ID);

    const requestId = randomUUID();
    const client = new OpenAI({ baseURL: `${pod3.url}/v1`, apiKey: user.apiKey, maxRetries: 0 });
    const opening = client.chat.completions.create(
      {
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hello" }],
        max_tokens: 6,
        stream: true,
      },
      { headers: { "x-request-id": requestId } },
    );
    opening.catch(() => undefined); // awaited below; handled if the test fails first
    const manual = await ManualStream.next(fake, new Set());
    const streamsOn = (p: ServingPod) =>
      scrapeMetric(`http://${p.ip}:9464`, "darkbloom_active_streams");
    await until("the third pod to count the open stream", async () =>
      (await streamsOn(pod3)) === 1 ? true : undefined,
    );
    expect(
      await streamsOn(pod1),
      "the provider's replica serves it but holds no consumer",
    ).to.equal(0);
    manual.chunk("w0 ");
    manual.chunk("w1 ");
    manual.complete();
    let text = "";
    for await (const chunk of await opening) text += chunk.choices[0]?.delta.content ?? "";

    expect(text).to.equal("w0 w1 ");
    expect(fake.requests).to.have.length(1);
    await until("the third pod to count it closed", async () =>
      (await streamsOn(pod3)) === 0 ? true : undefined,
    );
    const audit = await auditLedgerWhenSettled(db());
    expect(audit).to.deep.include(CLEAN_LEDGER);
    expect((await settlementsOf(db(), [requestId])).size).to.equal(1);
    expect(audit.settlements).to.have.length(1);
  });
});
