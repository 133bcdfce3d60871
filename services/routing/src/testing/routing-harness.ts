import http from "node:http";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import {
  boxBeforenm,
  generateKeyPair,
  openWithSharedKey,
  sealWithSharedKey,
} from "@darkbloom/crypto";
import {
  ChunkPayloadSchema,
  InferResponseSchema,
  InferenceBodySchema,
  RoutingService,
  SlotState,
  ThermalState,
  TrustLevel,
  type InferResponse,
} from "@darkbloom/proto";
import { createLogger, createMetricsRegistry, type Registry } from "@darkbloom/telemetry";
import { FakeProvider, type FakeProviderOptions } from "@darkbloom/testing";
import { ProviderGateway } from "../gateway/gateway.js";
import { ProviderRegistry } from "../registry/provider-registry.js";
import { Reservations } from "../reservations.js";
import type { RouterOptions } from "../router.js";
import { createRoutingMetrics } from "../routing-metrics.js";
import { createRoutingService } from "../service.js";
import { WarmPoolController } from "../warm-pool/warm-pool-controller.js";

/** A real gateway on a real port, RoutingService over the in-process router transport. */
export interface RoutingHarness {
  url: string;
  registry: ProviderRegistry;
  metrics: Registry;
  client: Client<typeof RoutingService>;
  provider(options: Omit<FakeProviderOptions, "url">): Promise<FakeProvider>;
  close(): Promise<void>;
}

export async function startRoutingHarness(
  options: Partial<RouterOptions> = {},
  /** Gateway timings over the defaults (e.g. a short liveness timeout). */
  gatewayOptions: { heartbeatIntervalMs?: number; livenessTimeoutMs?: number } = {},
): Promise<RoutingHarness> {
  const registry = new ProviderRegistry();
  const reservations = new Reservations(5000);
  const log = createLogger({ level: "error" });
  const warmPool = new WarmPoolController(registry, log);
  const metrics = createMetricsRegistry({ defaultMetrics: false });
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
      ...gatewayOptions,
    },
    metrics,
    log,
    (id) => reservations.dropProvider(id),
  );
  const server = http.createServer();
  server.on("upgrade", (req, socket, head: Buffer) => {
    if (!gateway.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/ws`;
  const client = createClient(
    RoutingService,
    createRouterTransport(({ service }) =>
      service(
        RoutingService,
        createRoutingService({
          registry,
          reservations,
          options,
          warmPool,
          metrics: createRoutingMetrics(metrics),
          log,
        }),
      ),
    ),
  );
  const fakes: FakeProvider[] = [];
  return {
    url,
    registry,
    metrics,
    client,
    async provider(o) {
      const p = new FakeProvider({ url, ...o });
      fakes.push(p);
      await p.connect();
      return p;
    },
    async close() {
      await Promise.all(fakes.map((p) => p.close()));
      warmPool.close();
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A heartbeat of one slot of model "m" (thermal SERIOUS ranks a provider last). */
export const heartbeat = (
  p: FakeProvider,
  slot: { potential?: number; running?: number; thermal?: ThermalState } = {},
): void =>
  p.send({
    case: "heartbeat",
    value: {
      thermal: slot.thermal ?? ThermalState.NOMINAL,
      slots: [
        {
          modelId: "m",
          state: SlotState.IDLE,
          running: slot.running ?? 0,
          kvCapacityTokens: 100n,
          maxTokensPotential: BigInt(slot.potential ?? 0),
        },
      ],
    },
  });

export const until = async (check: () => Promise<boolean> | boolean): Promise<void> => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 5));
};

export interface RunOptions {
  promptTokens?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  /**
   * How the alternates get their body: sealed up front (as sealed mode's clients do), on demand
   * (as the compat edge does: sealed when `alternate_wanted` names one), or asked for and never
   * supplied.
   */
  alternates?: "sealed" | "on-demand" | "never-supplied";
}

/** Reserves and runs one request the way a caller does, sealing to the candidates it needs. */
export async function runRequest(
  client: Client<typeof RoutingService>,
  model: string,
  opts: RunOptions = {},
): Promise<{
  text: string;
  events: InferResponse[];
  received: InferResponse[];
  requestId: string;
  /** The alternates routing asked the body of (on demand), in order. */
  wanted: string[];
}> {
  const requestId = `r-${Math.random().toString(36).slice(2)}`;
  const r = await client.reserve({
    requestId,
    metadata: {
      model,
      estimatedPromptTokens: opts.promptTokens ?? 10,
      maxTokens: opts.maxTokens ?? 8,
    },
    minTrust: TrustLevel.UNSPECIFIED,
  });
  const body = toBinary(
    InferenceBodySchema,
    create(InferenceBodySchema, { model, input: { case: "prompt", value: "hi" } }),
  );
  const seal = (publicKey: Uint8Array) => {
    const eph = generateKeyPair();
    const key = boxBeforenm(publicKey, eph.secretKey);
    return { key, senderPublicKey: eph.publicKey, encryptedBody: sealWithSharedKey(key, body) };
  };
  const primary = seal(r.providerPublicKey);
  const keys = new Map([[r.providerId, primary.key]]);
  const sealAlternate = (c: (typeof r.alternates)[number]) => {
    const s = seal(c.providerPublicKey);
    keys.set(c.providerId, s.key);
    return {
      providerId: c.providerId,
      senderPublicKey: s.senderPublicKey,
      encryptedBody: s.encryptedBody,
    };
  };
  const mode = opts.alternates ?? "sealed";
  const alternates = mode === "sealed" ? r.alternates.map(sealAlternate) : [];
  const wanted: string[] = [];
  let key = primary.key;
  let text = "";
  const events: InferResponse[] = [];
  const received: InferResponse[] = [];
  for await (const ev of client.infer(
    {
      reservationId: r.reservationId,
      requestId,
      senderPublicKey: primary.senderPublicKey,
      encryptedBody: primary.encryptedBody,
      alternates,
      alternatesOnDemand: mode !== "sealed",
    },
    { signal: opts.signal },
  )) {
    received.push(ev);
    if (ev.kind.case === "alternateWanted") {
      const id = ev.kind.value.providerId;
      wanted.push(id);
      const candidate = r.alternates.find((c) => c.providerId === id);
      if (mode === "on-demand" && candidate)
        await client.supplyAlternate({ requestId, alternate: sealAlternate(candidate) });
      continue;
    }
    // a batch of chunks reads as its chunks, one by one
    const each: InferResponse[] =
      ev.kind.case === "chunks"
        ? ev.kind.value.chunks.map((value) =>
            create(InferResponseSchema, { kind: { case: "chunk", value } }),
          )
        : [ev];
    for (const one of each) {
      events.push(one);
      if (one.kind.case === "started") key = keys.get(one.kind.value.providerId) ?? key;
      if (one.kind.case === "chunk")
        text += fromBinary(
          ChunkPayloadSchema,
          openWithSharedKey(key, one.kind.value.encryptedPayload),
        ).text;
    }
  }
  return { text, events, received, requestId, wanted };
}
