import { expect } from "chai";
import { routingAdminClient } from "../testbed/admin-client.js";
import {
  coordinatorResource,
  secretResource,
  startKubeCluster,
  until,
  type KubeCluster,
} from "../testbed/kube-cluster.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

describe("operator: a WarmPool reaches a real coordinator and its providers", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let cluster: KubeCluster | undefined;

  before(async () => {
    coordinator = await startCoordinator();
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    cluster = await startKubeCluster({
      operatorEnv: {
        DARKBLOOM_OPERATOR_COORDINATOR_URL: coordinator.url,
        DARKBLOOM_OPERATOR_RESYNC_MS: "2000",
      },
    });
  });

  after(async () => {
    await cluster?.stop();
    await provider?.stop();
    await coordinator?.stop();
  });

  it("applies the WarmPool through SetWarmPoolPolicy with the admin key from the Secret, and reports the warm provider in status", async () => {
    const c = coordinator as RunningCoordinator;
    const k = cluster as KubeCluster;
    const pool = (min: number) => ({
      apiVersion: "darkbloom.dev/v1alpha1",
      kind: "WarmPool",
      metadata: { name: "tiny" },
      spec: {
        coordinatorRef: { name: "main" },
        model: TEST_MODEL_ID,
        minWarmProviders: min,
        maxWarmProviders: 2,
        targetUtilizationPercent: 80,
        maxLoadsPerMinute: 5,
      },
    });
    const secrets = secretResource("darkbloom-secrets", {
      adminKey: c.apiKey,
      prefixHashSecret: "p",
      keyEncryptionKey: "k",
      peerSecret: "s",
    });
    await k.apply(secrets, coordinatorResource(), pool(1));

    const admin = routingAdminClient(c.url, c.apiKey);
    const target = async (want: number) => {
      const m = (await admin.getWarmPoolStatus({})).models.find((x) => x.model === TEST_MODEL_ID);
      return m?.target === want ? m : undefined;
    };
    await until("the coordinator to hold the WarmPool's target", () => target(1));
    const status = await until("the WarmPool status to show the warm provider", async () => {
      const s = JSON.parse(
        (await k.kubectl(["get", "warmpool", "tiny", "-o", "jsonpath={.status}"])) || "{}",
      ) as {
        warm?: number;
        observedGeneration?: number;
        conditions?: { type: string; status: string }[];
      };
      return s.warm === 1 && s.conditions?.some((x) => x.type === "Ready" && x.status === "True")
        ? s
        : undefined;
    });
    expect(status.observedGeneration).to.equal(1);

    await k.apply(pool(2));
    await until("the coordinator to follow the edit", () => target(2));

    await k.kubectl(["delete", "warmpool", "tiny", "--wait=true", "--timeout=60s"]);
    const after = (await admin.getWarmPoolStatus({})).models.find((x) => x.model === TEST_MODEL_ID);
    expect(after?.target ?? 0).to.equal(0);
  });
});
