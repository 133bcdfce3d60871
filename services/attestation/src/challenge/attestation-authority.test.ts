import http from "node:http";
import { create } from "@bufbuild/protobuf";
import { challengePayload, generateKeyPair, toBase64 } from "@darkbloom/crypto";
import { decodeFrame, encodeFrame, toBytes } from "@darkbloom/frames";
import {
  ProviderFrameSchema,
  ReserveRequestSchema,
  TrustLevel,
  type ProviderFrame,
} from "@darkbloom/proto";
import { Code, ConnectError } from "@connectrpc/connect";
import { p256 } from "@noble/curves/nist.js";
import WebSocket from "ws";
import { ProviderGateway, ProviderRegistry, Reservations, Router } from "@darkbloom/routing";
import { createLogger, createMetricsRegistry, type Registry } from "@darkbloom/telemetry";
import { FakeProvider } from "@darkbloom/testing";
import { expect } from "chai";
import { createAttestationMetrics } from "../attestation-metrics.js";
import {
  FakeAttestedProvider,
  type FakeAttestedOptions,
} from "../testing/fake-attested-provider.js";
import { registryWeightHash } from "../create-authority.js";
import {
  AttestationAuthority,
  type AuthorityDeps,
  type AuthorityOptions,
} from "./attestation-authority.js";

const HASH_A = "aa".repeat(32);
const HASH_B = "bb".repeat(32);

interface Harness {
  url: string;
  registry: ProviderRegistry;
  metrics: Registry;
  authority: AttestationAuthority;
  close(): Promise<void>;
}

async function startHarness(
  overrides: Partial<AuthorityOptions> = {},
  deps: Partial<AuthorityDeps> = {},
): Promise<Harness> {
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
      releases: () => Promise.resolve([{ version: "2.1.0", treeSha256: [HASH_A] }]),
      isEnrolled: () => false,
      metrics: createAttestationMetrics(metrics),
      log,
      ...deps,
    },
  );
  await authority.start();
  const gateway = new ProviderGateway(
    registry,
    {
      path: "/ws",
      registerTimeoutMs: 2000,
      probeTimeoutMs: 500,
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

    it("keeps each provider's latest good signed answer as evidence, never a refused one", async () => {
      const p = provider();
      await p.connect();
      const id = () => h.registry.all()[0]?.id ?? "";
      await p.until(() => h.authority.evidenceOf(id()) !== undefined, "a good answer kept");
      const e = h.authority.evidenceOf(id());
      if (!e) throw new Error("no evidence");
      const payload = challengePayload(e.nonce, e.timestampMs, e.statusJson);
      expect(p256.verify(e.signature, payload, e.identityPublicKey, { format: "der" })).to.equal(
        true,
      );
      expect([...e.identityPublicKey]).to.deep.equal([...p.identityPublicKey]);
      const status = JSON.parse(new TextDecoder().decode(e.statusJson)) as Record<string, unknown>;
      expect(status.encryptionPublicKey).to.equal(toBase64(p.keys.publicKey));
      expect(e.mdaChainPem).to.equal("");
      p.mode = "swap-key";
      await p.until(() => serving() === 0, "fenced for the swapped key");
      const after = h.authority.evidenceOf(id());
      const vouched = JSON.parse(new TextDecoder().decode(after?.statusJson)) as {
        encryptionPublicKey: string;
      };
      expect(vouched.encryptionPublicKey).to.equal(toBase64(p.keys.publicKey));
      await p.close();
      await p.until(() => h.registry.size === 0, "detached");
      expect(h.authority.evidenceOf(id())).to.equal(undefined);
    });

    it("refuses a registration whose signed key is not the registered key", async () => {
      const p = provider({ swapKeyAtRegister: true });
      await p.connect();
      await p.until(() => p.framesOf("protocolError").length > 0, "a refusal");
      const f = p.framesOf("protocolError")[0];
      expect(f?.kind.case === "protocolError" && f.kind.value.code).to.equal("key_mismatch");
      expect(h.registry.size).to.equal(0);
      expect(await refusals(h.metrics, "key_mismatch")).to.equal(1);
    });

    it("refuses a registration whose key proof the identity key did not sign (a replayed Register)", async () => {
      const p = provider();
      p.mode = "stale-identity";
      await p.connect();
      await p.until(() => p.framesOf("protocolError").length > 0, "a refusal");
      const f = p.framesOf("protocolError")[0];
      expect(f?.kind.case === "protocolError" && f.kind.value.code).to.equal(
        "identity_proof_failed",
      );
      expect(h.registry.size).to.equal(0);
      expect(await refusals(h.metrics, "identity_proof_failed")).to.equal(1);
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

    it("fences a provider whose binary is not the code tree of its release", async () => {
      const p = provider({ version: "2.1.0", binaryHash: HASH_B });
      await p.connect();
      await p.until(() => h.registry.size === 1, "registered");
      expect(serving()).to.equal(0);
      expect(h.registry.all()[0]?.trust.reason).to.contain("not the code tree of release 2.1.0");
    });

    it("routes a provider whose binary is its release's registered tree hash", async () => {
      const p = provider({ version: "2.1.0", binaryHash: HASH_A });
      await p.connect();
      await p.until(() => serving("m") === 1, "routed");
      expect(h.registry.all()[0]?.trust.routable).to.equal(true);
    });
  });

  describe("model registry", () => {
    // the registry publishes per-file SHA-256s; the coordinator rebuilds the weight hash
    const files = [
      { path: "model.safetensors", sha256: "11".repeat(32) },
      { path: "tokenizer.json", sha256: "22".repeat(32) },
    ];
    const published = registryWeightHash({ weightHash: "", chatTemplateHash: "", files });
    const other = registryWeightHash({
      weightHash: "",
      chatTemplateHash: "",
      files: [{ path: "model.safetensors", sha256: "33".repeat(32) }],
    });
    const lookups: string[] = [];
    const registryDeps: Partial<AuthorityDeps> = {
      registryWeightHash: (id) => {
        lookups.push(id);
        return Promise.resolve(id === "m" || id === "n" ? published : null);
      },
    };

    it("fences only the model whose signed weight hash differs from the registry's files", async () => {
      h = await startHarness({}, registryDeps);
      const p = provider({
        models: [
          { id: "m", weightHash: published },
          { id: "n", weightHash: other },
          { id: "unlisted", weightHash: other },
        ],
      });
      await p.connect();
      await p.until(() => serving("m") === 1, "registered");
      await p.until(() => serving("unlisted") === 1, "unpublished model served");
      expect(serving("n")).to.equal(0);
      expect(h.registry.all()[0]?.trust.reason).to.contain("untrusted weights: n");
      expect(lookups).to.include.members(["m", "n", "unlisted"]);
    });

    describe("a request while the registry check runs (a replica that just started)", () => {
      let router: Router | undefined;
      afterEach(() => router?.queue.close());
      /** The registry answers only when told to; only events (no periodic recheck) wake requests. */
      const startHeld = async (hash: string) => {
        let answer: () => void = () => undefined;
        const answered = new Promise<void>((r) => (answer = r));
        h = await startHarness({}, { registryWeightHash: () => answered.then(() => hash) });
        router = new Router({
          registry: h.registry,
          reservations: new Reservations(60_000),
          options: { queue: { timeoutMs: 10_000, maxDepthPerModel: 8, recheckIntervalMs: 60_000 } },
        });
        const p = provider({ models: [{ id: "m", weightHash: published }] });
        await p.connect();
        await p.until(() => h.registry.size === 1, "registered");
        const trust = h.registry.all()[0]?.trust;
        expect([...(trust?.pendingModels ?? [])]).to.deep.equal(["m"]);
        expect(serving("m")).to.equal(0);
        let settled = false;
        const reserved = router
          .reserve(
            create(ReserveRequestSchema, {
              requestId: "r-pending",
              metadata: { model: "m", estimatedPromptTokens: 10, maxTokens: 10 },
            }),
            new AbortController().signal,
          )
          .finally(() => (settled = true));
        reserved.catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
        expect(settled, "the request waits for the check").to.equal(false);
        answer();
        return { reserved };
      };

      it("waits for the verdict and is routed to the provider once its weights match", async () => {
        const { reserved } = await startHeld(published);
        expect((await reserved).providerId).to.equal(h.registry.all()[0]?.id);
      });

      it("checks a model once per replica: a provider that reconnects is not pending again", async () => {
        const { reserved } = await startHeld(published);
        const first = (await reserved).providerId;
        // what routing sees of the second provider the moment it enters the registry
        const atRegistration: boolean[] = [];
        h.registry.listen({
          capacityChanged: (s) => {
            if (s.id !== first && atRegistration.length === 0) atRegistration.push(s.hasModel("m"));
          },
        });
        const again = provider({ models: [{ id: "m", weightHash: published }] });
        await again.connect();
        await again.until(() => h.registry.size === 2, "second provider registered");
        expect(atRegistration, "servable as it registers").to.deep.equal([true]);
        expect(serving("m")).to.equal(2);
      });

      it("answers NotFound once the registry says the weights differ", async () => {
        const { reserved } = await startHeld(other);
        const err = await reserved.catch((e: unknown) => ConnectError.from(e));
        expect((err as ConnectError).code).to.equal(Code.NotFound);
        expect(h.registry.all()[0]?.trust.reason).to.contain("untrusted weights: m");
      });
    });

    it("lets the allow-list override the registry for the models it lists", async () => {
      h = await startHarness({ modelHashes: new Map([["n", new Set([other])]]) }, registryDeps);
      const p = provider({
        models: [
          { id: "m", weightHash: published },
          { id: "n", weightHash: other },
        ],
      });
      await p.connect();
      await p.until(() => serving("m") === 1 && serving("n") === 1, "both served");
    });
  });

  describe("MDM enrollment", () => {
    it("raises an enclave-key provider to hardware once the shared store says its device is enrolled", async () => {
      const enrolled = new Set<string>();
      h = await startHarness({}, { isEnrolled: (udid) => Promise.resolve(enrolled.has(udid)) });
      const a = provider({ keySource: "secure-enclave", deviceId: "UDID-A" });
      await a.connect();
      await a.until(() => serving() === 1, "registered");
      expect(h.registry.all()[0]?.trustLevel).to.equal(TrustLevel.SOFTWARE);
      enrolled.add("UDID-A"); // a check-in lands (on any replica)
      await a.until(
        () => h.registry.all()[0]?.trustLevel === TrustLevel.HARDWARE,
        "hardware after the next good answer",
      );
    });
  });

  describe("required attestation", () => {
    beforeEach(async () => {
      h = await startHarness({ requireAttestation: true });
    });

    it("refuses a provider without an identity key with a clear ProtocolError", async () => {
      // a provider without identity: a bare Register over a real socket
      const socket = new WebSocket(h.url);
      providers.push({
        close: () => Promise.resolve(socket.terminate()),
      });
      const frames: ProviderFrame[] = [];
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.on("message", (data: Buffer) => {
        const decoded = decodeFrame(toBytes(data));
        if (decoded.ok) frames.push(decoded.frame);
      });
      await new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
      });
      const register = create(ProviderFrameSchema, {
        kind: {
          case: "register",
          value: {
            version: "1.0.0",
            models: [{ id: "m", templateOk: true }],
            encryptionPublicKey: generateKeyPair().publicKey,
          },
        },
      });
      socket.send(encodeFrame(register), { binary: true });
      await closed;
      const frame = frames.find((f) => f.kind.case === "protocolError");
      const error = frame?.kind.case === "protocolError" ? frame.kind.value : undefined;
      expect(error?.code).to.equal("attestation_required");
      expect(error?.message).to.contain("requires provider attestation");
      expect(h.registry.size).to.equal(0);
      expect(await refusals(h.metrics, "attestation_required")).to.equal(1);
    });

    it("still admits a signed provider", async () => {
      const p = provider();
      await p.connect();
      await p.until(() => serving() === 1, "registered");
    });
  });
});
