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
  TrustLevel,
  type InferResponse,
} from "@darkbloom/proto";
import { createLogger, createMetricsRegistry, type Registry } from "@darkbloom/telemetry";
import { FakeProvider, type FakeProviderOptions } from "@darkbloom/testing";
import { ProviderGateway } from "../gateway/gateway.js";
import { ProviderRegistry } from "../registry/provider-registry.js";
import { Reservations } from "../reservations.js";
import type { RouterOptions } from "../router.js";
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
      service(RoutingService, createRoutingService({ registry, reservations, options, warmPool })),
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

/** Reserves and runs one request the way the edge does, sealing to every candidate. */
export async function runRequest(
  client: Client<typeof RoutingService>,
  model: string,
  opts: { promptTokens?: number; maxTokens?: number; signal?: AbortSignal } = {},
): Promise<{ text: string; events: InferResponse[]; received: InferResponse[] }> {
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
  const alternates = r.alternates.map((c) => {
    const s = seal(c.providerPublicKey);
    keys.set(c.providerId, s.key);
    return {
      providerId: c.providerId,
      senderPublicKey: s.senderPublicKey,
      encryptedBody: s.encryptedBody,
    };
  });
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
    },
    { signal: opts.signal },
  )) {
    received.push(ev);
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
  return { text, events, received };
}
