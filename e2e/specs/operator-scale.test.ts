import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import {
  coordinatorResource,
  secretResource,
  startKubeCluster,
  until,
  type KubeCluster,
} from "../testbed/kube-cluster.js";

interface PodView {
  status?: { podIP?: string; phase?: string };
}

describe("operator + fake API server + fake node: kubectl scale runs more coordinator processes", function () {
  this.timeout(240_000);
  let db: TestDatabase | undefined;
  let cluster: KubeCluster | undefined;

  before(async () => {
    db = await startTestDatabase();
    cluster = await startKubeCluster({ node: true });
  });

  after(async () => {
    await cluster?.stop();
    await db?.stop();
  });

  /** Pod addresses whose coordinator process answers HTTP on the pod's own address and port. */
  const serving = async () => {
    const pods = (
      JSON.parse(await (cluster as KubeCluster).kubectl(["get", "pods", "-o", "json"])) as {
        items: PodView[];
      }
    ).items;
    const out: string[] = [];
    for (const p of pods) {
      if (p.status?.phase !== "Running" || !p.status.podIP) continue;
      const res = await fetch(`http://${p.status.podIP}:8080/v1/models`).catch(() => undefined);
      if (!res) continue;
      await res.body?.cancel();
      out.push(p.status.podIP);
    }
    return out;
  };

  it("a Coordinator of 1 becomes one coordinator process; kubectl scale --replicas 2 adds a second on the same database", async () => {
    const k = cluster as KubeCluster;
    const key32 = () => randomBytes(32).toString("base64");
    await k.apply(
      secretResource("darkbloom-db", { url: (db as TestDatabase).url }),
      secretResource("darkbloom-secrets", {
        prefixHashSecret: key32(),
        keyEncryptionKey: key32(),
        adminKey: "unused",
        peerSecret: key32(),
      }),
      coordinatorResource({ config: [{ name: "DARKBLOOM_SECURITY_MODE", value: "development" }] }),
    );
    const first = await until("one coordinator process serving", async () => {
      const s = await serving();
      return s.length === 1 ? s : undefined;
    });

    expect(await k.kubectl(["scale", "coordinator/main", "--replicas", "2"])).to.include("scaled");
    const both = await until("two coordinator processes serving", async () => {
      const s = await serving();
      return s.length === 2 ? s : undefined;
    });
    expect(both).to.include(first[0]);
    await until("the Coordinator status to count 2 replicas", async () =>
      (await k.kubectl(["get", "coordinator", "main", "-o", "jsonpath={.status.replicas}"])) === "2"
        ? true
        : undefined,
    );
  });
});
