import http from "node:http";
import { TrustLevel } from "@darkbloom/proto";
import { ProviderGateway, ProviderRegistry } from "@darkbloom/routing";
import { createLogger, createMetricsRegistry, type Registry } from "@darkbloom/telemetry";
import { FakeProvider } from "@darkbloom/testing";
import { expect } from "chai";
import { createAttestationMetrics } from "../attestation-metrics.js";
import {
  FakeAttestedProvider,
  type FakeAttestedOptions,
} from "../testing/fake-attested-provider.js";
import { AttestationAuthority, type AuthorityOptions } from "./attestation-authority.js";

const HASH_A = "aa".repeat(32);
const HASH_B = "bb".repeat(32);

interface Harness {
  url: string;
  registry: ProviderRegistry;
  metrics: Registry;
  authority: AttestationAuthority;
  close(): Promise<void>;
}

async function startHarness(overrides: Partial<AuthorityOptions> = {}): Promise<Harness> {
  const registry = new ProviderRegistry();
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const log = createLogger({ level: "error" });
  const authority = new AttestationAuthority(
    {
      challengeIntervalMs: 100,
      maxAttestationAgeMs: 400,
      minVersion: "",
      requireReleaseBinary: false,
      modelHashes: new Map(),
      mdaRoots: [],
      ...overrides,
    },
    {
      releases: () => Promise.resolve([{ version: "2.1.0", artifactSha256: [HASH_A] }]),
      isEnrolled: () => false,
      metrics: createAttestationMetrics(metrics),
      log,
    },
  );
  await authority.start();
  const gateway = new ProviderGateway(
    registry,
    {
      path: "/ws",
      registerTimeoutMs: 2000,
      heartbeatIntervalMs: 1000,
      livenessTimeoutMs: 10_000,
      writeTimeoutMs: 2000,
      maxFrameBytes: 64 * 1024,
      trust: authority,
    },
    metrics,
    log,
    () => undefined,
  );
  const server = http.createServer();
  server.on("upgrade", (req, socket, head: Buffer) => {
    if (!gateway.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    registry,
    metrics,
    authority,
    async close() {
      authority.close();
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function refusals(metrics: Registry, reason: string): Promise<number> {
  const metric = metrics.getSingleMetric("darkbloom_attestation_refusals_total");
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe("AttestationAuthority", () => {
  let h: Harness;
  const providers: Array<{ close(): Promise<void> }> = [];
  const provider = (options: Partial<FakeAttestedOptions> = {}): FakeAttestedProvider => {
    const p = new FakeAttestedProvider({
      url: h.url,
      models: [{ id: "m", weightHash: HASH_A }],
      ...options,
    });
    providers.push(p);
    return p;
  };
  const serving = (model = "m"): number => h.registry.withModel(model).length;
  const lastStatus = (p: FakeAttestedProvider) => {
    const frames = p.framesOf("runtimeStatus");
    const f = frames[frames.length - 1];
    return f?.kind.case === "runtimeStatus" ? f.kind.value : undefined;
  };

  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
    await h.close();
  });

  describe("with default policy", () => {
    beforeEach(async () => {
      h = await startHarness();
    });

    it("challenges a signed provider at once and serves it at trust level software", async () => {
      const p = provider();
      await p.connect();
      await p.until(() => p.framesOf("attestationChallenge").length >= 2, "two challenges");
      expect(serving()).to.equal(1);
      expect(h.registry.all()[0]?.trustLevel).to.equal(TrustLevel.SOFTWARE);
      await p.until(() => lastStatus(p)?.trustLevel === TrustLevel.SOFTWARE, "told its level");
    });

    it("stops routing to a provider that stops answering and routes again after a good answer", async () => {
      const p = provider();
      await p.connect();
      await p.until(() => serving() === 1, "registered");
      p.mode = "silent";
      await p.until(() => serving() === 0, "fenced for silence");
      await p.until(() => lastStatus(p)?.routable === false, "told it is fenced");
      expect(lastStatus(p)?.routable).to.equal(false);
      expect(lastStatus(p)?.reason).to.match(/no good attestation answer/);
      p.mode = "honest";
      await p.until(() => serving() === 1, "routed again");
      await p.until(() => lastStatus(p)?.routable === true, "told it is routable again");
    });

    for (const [mode, reason] of [
      ["replay", "replayed_nonce"],
      ["forge", "bad_signature"],
      ["swap-key", "key_mismatch"],
    ] as const) {
      it(`refuses a ${mode} answer (${reason}), counts it and fences until a good answer`, async () => {
        const p = provider();
        await p.connect();
        await p.until(() => p.framesOf("attestationChallenge").length >= 2, "an honest answer");
        p.mode = mode;
        await p.until(() => serving() === 0, `fenced for ${mode}`);
        await p.until(() => lastStatus(p)?.routable === false, "told it is fenced");
        expect(await refusals(h.metrics, reason)).to.be.greaterThan(0);
        expect(lastStatus(p)?.reason).to.contain(reason);
        p.mode = "honest";
        await p.until(() => serving() === 1, "routed again");
      });
    }

    it("refuses a registration whose signed key is not the registered key", async () => {
      const p = provider({ swapKeyAtRegister: true });
      await p.connect();
      await p.until(() => p.framesOf("protocolError").length > 0, "a refusal");
      const f = p.framesOf("protocolError")[0];
      expect(f?.kind.case === "protocolError" && f.kind.value.code).to.equal("key_mismatch");
      expect(h.registry.size).to.equal(0);
      expect(await refusals(h.metrics, "key_mismatch")).to.equal(1);
    });

    it("refuses a registration signed by another key", async () => {
      const p = provider({ forgeRegister: true });
      await p.connect();
      await p.until(() => p.framesOf("protocolError").length > 0, "a refusal");
      expect(h.registry.size).to.equal(0);
      expect(await refusals(h.metrics, "bad_signature")).to.equal(1);
    });

    it("leaves a provider without identity unattested: trust none, routable, not challenged", async () => {
      const fake = new FakeProvider({ url: h.url, models: ["m"] });
      providers.push(fake);
      await fake.connect();
      await new Promise((r) => setTimeout(r, 250));
      expect(h.registry.all()[0]?.trustLevel).to.equal(TrustLevel.NONE);
      expect(serving()).to.equal(1);
      expect(fake.received.some((f) => f.kind.case === "attestationChallenge")).to.equal(false);
    });
  });

  describe("version floor", () => {
    beforeEach(async () => {
      h = await startHarness({ minVersion: "2.0.0" });
    });

    it("refuses an old provider naming the latest release", async () => {
      const p = provider({ version: "1.0.0" });
      await p.connect();
      await p.until(() => p.framesOf("protocolError").length > 0, "a refusal");
      const f = p.framesOf("protocolError")[0];
      const refusal = f?.kind.case === "protocolError" ? f.kind.value : undefined;
      expect(refusal?.code).to.equal("version_too_old");
      expect(refusal?.message).to.contain("2.1.0").and.to.contain("darkbloom update");
    });

    it("fences connected providers below a raised floor", async () => {
      const p = provider({ version: "2.0.1" });
      await p.connect();
      await p.until(() => serving() === 1, "registered");
      expect(h.authority.setMinVersion("2.1.0")).to.have.length(1);
      await p.until(() => lastStatus(p)?.routable === false, "told it is fenced");
      expect(serving()).to.equal(0);
      expect(lastStatus(p)?.reason).to.contain("below the minimum 2.1.0");
    });
  });

  describe("model and binary registries", () => {
    beforeEach(async () => {
      h = await startHarness({
        modelHashes: new Map([
          ["m", new Set([HASH_A])],
          ["n", new Set([HASH_A])],
        ]),
        requireReleaseBinary: true,
      });
    });

    it("fences only the model whose weights are not on the allow-list", async () => {
      const p = provider({
        version: "2.1.0",
        binaryHash: HASH_A,
        models: [
          { id: "m", weightHash: HASH_A },
          { id: "n", weightHash: HASH_B },
        ],
      });
      await p.connect();
      await p.until(() => serving("m") === 1, "registered");
      expect(serving("n")).to.equal(0);
      expect(h.registry.all()[0]?.trust.reason).to.contain("untrusted weights: n");
    });

    it("fences a provider whose binary is not an artifact of its release", async () => {
      const p = provider({ version: "2.1.0", binaryHash: HASH_B });
      await p.connect();
      await p.until(() => h.registry.size === 1, "registered");
      expect(serving()).to.equal(0);
      expect(h.registry.all()[0]?.trust.reason).to.contain("not an artifact of release 2.1.0");
    });
  });
});
