import { generateKeyPair, keyFingerprint } from "@darkbloom/crypto";
import { createLogger, createMetricsRegistry } from "@darkbloom/telemetry";
import { FakeProvider } from "@darkbloom/testing";
import { expect } from "chai";
import { FakeSocket } from "../testing/fake-socket.js";
import { frameBytes, registerWithProof } from "../testing/memory-sessions.js";
import {
  runRequest,
  startRoutingHarness,
  type RoutingHarness,
} from "../testing/routing-harness.js";
import { createGatewayMetrics } from "./gateway-metrics.js";
import { ProviderSession } from "./provider-session.js";

/** The registration rules of DESIGN §10: key proof, and no eviction of a live session. */
describe("ProviderGateway registration handshake", function () {
  this.timeout(20_000);
  let h: RoutingHarness;
  const extra: FakeProvider[] = [];
  beforeEach(async () => {
    h = await startRoutingHarness();
  });
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((p) => p.close()));
    await h.close();
  });
  const connect = async (keys: { publicKey: Uint8Array; secretKey: Uint8Array }) => {
    const p = new FakeProvider({ url: h.url, models: ["m"], encryptionKeys: keys });
    extra.push(p);
    return p.connect();
  };

  it("registers a provider that opens the key proof sealed to its announced key", async () => {
    const p = await h.provider({ models: ["m"] });
    expect(h.registry.get(p.providerId)).to.not.equal(undefined);
    expect(p.received.filter((f) => f.kind.case === "keyProofChallenge")).to.have.length(1);
  });

  it("refuses a provider that announces a public key it does not hold (key_proof_failed), and the holder keeps serving", async () => {
    const victim = await h.provider({ models: ["m"] });
    const impostor = { publicKey: victim.keys.publicKey, secretKey: generateKeyPair().secretKey };
    await connect(impostor).then(
      () => expect.fail("the impostor registered"),
      (err: Error) => expect(err.message).to.equal("refused: key_proof_failed"),
    );
    expect(h.registry.get(victim.providerId)?.state.kind).to.equal("registered");
    expect((await runRequest(h.client, "m")).text).to.equal("fake reply");
  });

  it("refuses a second session of a provider id whose live session answers its probe", async () => {
    const live = await h.provider({ models: ["m"] });
    const before = h.registry.get(live.providerId);
    await connect(live.keys).then(
      () => expect.fail("the second session registered"),
      (err: Error) => expect(err.message).to.equal("refused: provider_already_connected"),
    );
    expect(h.registry.get(live.providerId)).to.equal(before);
    expect(before?.state.kind).to.equal("registered");
    expect((await runRequest(h.client, "m")).text).to.equal("fake reply");
  });

  it("replaces a session that does not answer its liveness probe (a dead link)", async () => {
    const stale = await h.provider({ models: ["m"] });
    const old = h.registry.get(stale.providerId);
    stale.pauseReading(); // no pong: as after a network blip the provider did not see
    const id = await connect(stale.keys);
    expect(id).to.equal(stale.providerId);
    expect(old?.state.kind).to.equal("closed");
    expect(h.registry.get(id)).to.not.equal(old);
    expect((await runRequest(h.client, "m")).text).to.equal("fake reply");
  });

  it("lets a provider whose old connection closed back in with the same key", async () => {
    const first = await h.provider({ models: ["m"] });
    await first.close();
    const id = await connect(first.keys);
    expect(id).to.equal(first.providerId);
    expect((await runRequest(h.client, "m")).text).to.equal("fake reply");
  });
});

describe("ProviderSession key proof", () => {
  const log = createLogger({ level: "error" });
  const metrics = createGatewayMetrics(createMetricsRegistry({ defaultMetrics: false }));
  const noop = (): void => undefined;
  const open = (registerTimeoutMs = 60_000) => {
    const socket = new FakeSocket();
    const session = new ProviderSession(
      "c1",
      socket.asWebSocket(),
      {
        registerTimeoutMs,
        heartbeatIntervalMs: 100,
        livenessTimeoutMs: 60_000,
        writeTimeoutMs: 60_000,
        maxFrameBytes: 1 << 20,
      },
      { onRegistered: noop, onClosed: noop, onCapacityChanged: noop, onLoadModelStatus: noop },
      metrics,
      log,
    );
    return { socket, session };
  };
  const register = (publicKey: Uint8Array) =>
    frameBytes({ case: "register", value: { version: "t", encryptionPublicKey: publicKey } });

  it("does not register before the key proof, and closes on a wrong answer", () => {
    const { socket, session } = open();
    socket.receive(register(generateKeyPair().publicKey));
    expect(session.state.kind).to.equal("proving_key");
    socket.receive(frameBytes({ case: "keyProof", value: { secret: new Uint8Array(32) } }));
    expect(session.state.kind).to.not.equal("registered");
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      expect(session.state).to.deep.include({
        kind: "closed",
        reason: "refused at registration: key_proof_failed",
      });
    });
  });

  it("registers once the proof opened with the announced key's secret comes back", () => {
    const { socket, session } = open();
    const keys = generateKeyPair();
    registerWithProof(socket, register(keys.publicKey), keys.secretKey);
    expect(session.state.kind).to.equal("registered");
    expect(session.id).to.equal(keyFingerprint(keys.publicKey));
    socket.terminate();
  });

  it("closes a session that never answers the key proof at the register timeout", async () => {
    const { socket, session } = open(50);
    socket.receive(register(generateKeyPair().publicKey));
    const until = Date.now() + 5000;
    while (session.state.kind !== "closed" && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    expect(session.state).to.deep.include({ kind: "closed", reason: "no register in time" });
  });
});
