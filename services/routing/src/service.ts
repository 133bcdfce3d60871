import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { KEY_BYTES, keyFingerprint } from "@darkbloom/crypto";
import type {
  InferRequest,
  InferResponse,
  ModelAvailability,
  RoutingService,
} from "@darkbloom/proto";
import { AlternateSupplies } from "./hedging/alternate-supplies.js";
import { hedgedRelay, type Attempt } from "./hedging/hedged-relay.js";
import { forwardInfer, sendProviderFrame } from "./peers/forward-handler.js";
import { lazyStream } from "./lazy-stream.js";
import type { PeerAddress, Peers } from "./peers/peer-link.js";
import { reservationOwner } from "./reservations.js";
import type { ProviderRegistry } from "./registry/provider-registry.js";
import type { Reservations } from "./reservations.js";
import { Router, type RouterDeps } from "./router.js";
import type { WarmPool } from "./warm-pool/warm-pool-controller.js";
import type { Logger } from "@darkbloom/telemetry";

export interface RoutingDeps extends RouterDeps {
  registry: ProviderRegistry;
  reservations: Reservations;
  /** The warm-pool controller (one replica runs it); absent: Set/GetWarmPoolPolicy are Unavailable. */
  warmPool?: WarmPool;
  /** Replicas as one network: Infer on a peer's reservation runs at that peer. */
  peers?: Peers;
  log?: Logger;
}

export function createRoutingService(deps: RoutingDeps): ServiceImpl<typeof RoutingService> {
  const { registry } = deps;
  const router = new Router(deps);
  const supplies = new AlternateSupplies();
  const warmPool = (): WarmPool => {
    if (!deps.warmPool)
      throw new ConnectError("the warm pool controller is not running here", Code.Unavailable);
    return deps.warmPool;
  };
  // A provider's key is its registration's, fixed for its session: its fingerprint (a SHA-256)
  // is computed once per key object, not per candidate of every reservation.
  const fingerprints = new WeakMap<Uint8Array, string>();
  const fingerprintOf = (publicKey: Uint8Array): string => {
    let fingerprint = fingerprints.get(publicKey);
    if (fingerprint === undefined) {
      fingerprint = keyFingerprint(publicKey);
      fingerprints.set(publicKey, fingerprint);
    }
    return fingerprint;
  };
  const candidateOf = (providerId: string) => {
    const s = registry.get(providerId);
    const publicKey = s?.register?.encryptionPublicKey ?? new Uint8Array();
    return {
      providerId,
      providerPublicKey: publicKey,
      trustLevel: s?.trustLevel,
      keyFingerprint: fingerprintOf(publicKey),
    };
  };

  return {
    async reserve(req, ctx) {
      const r = await router.reserve(req, () => ctx.signal);
      const primary = candidateOf(r.providerId);
      return {
        reservationId: r.id,
        providerId: r.providerId,
        providerPublicKey: primary.providerPublicKey,
        trustLevel: primary.trustLevel,
        keyFingerprint: primary.keyFingerprint,
        expiresAtMs: BigInt(r.expiresAtMs),
        alternates: r.alternates.map(candidateOf),
      };
    },

    infer: (req, ctx) => inferAnywhere(deps, router, supplies, req, ctx),

    supplyAlternate(req) {
      const copy = req.alternate;
      if (!req.requestId || !copy?.providerId || !copy.encryptedBody.length)
        throw new ConnectError(
          "request_id, alternate.provider_id and alternate.encrypted_body are required",
          Code.InvalidArgument,
        );
      if (copy.senderPublicKey.length !== KEY_BYTES)
        throw new ConnectError(
          `alternate.sender_public_key must be ${KEY_BYTES} bytes`,
          Code.InvalidArgument,
        );
      supplies.supply(req.requestId, copy.providerId, copy);
      return {};
    },

    cancelInference(req) {
      let cancelled = false;
      for (const s of registry.values()) {
        if (!s.inFlightRequestIds().includes(req.requestId)) continue;
        s.cancel(req.requestId, req.reason || "cancelled by caller");
        cancelled = true;
      }
      return { cancelled };
    },

    listModels() {
      const byModel = new Map<string, ModelAvailability>();
      for (const s of registry.values()) {
        for (const m of s.register?.models ?? []) {
          if (!m.templateOk) continue;
          const entry = byModel.get(m.id);
          if (entry) entry.providers++;
          else
            byModel.set(m.id, {
              $typeName: "darkbloom.v1.ModelAvailability",
              id: m.id,
              providers: 1,
              contextLength: m.contextLength,
              quantization: m.quantization,
            });
        }
      }
      return { models: [...byModel.values()].sort((a, b) => a.id.localeCompare(b.id)) };
    },

    listProviders() {
      return {
        providers: registry.all().map((s) => ({
          providerId: s.id,
          version: s.register?.version ?? "",
          hardware: s.register?.hardware,
          modelIds: s.register?.models.map((m) => m.id) ?? [],
          trustLevel: s.trustLevel,
          inFlight: s.inFlightCount,
          connectedAtMs: BigInt(s.state.kind === "registered" ? s.state.registeredAt : 0),
          lastHeartbeatMs: BigInt(s.lastHeartbeatMs),
          heartbeat: s.heartbeat,
          benchmarks: s.register?.benchmarks ?? [],
          measured: (s.register?.models ?? []).flatMap((m) => {
            const decode = router.stats.decodeTps(s.id, m.id);
            const ttft = router.stats.ttftMs(s.id, m.id);
            if (decode === undefined && ttft === undefined) return [];
            return [{ modelId: m.id, decodeTokensPerSecond: decode ?? 0, ttftMs: ttft ?? 0 }];
          }),
          ownerReplicaId: s.ownerReplicaId,
        })),
      };
    },

    getModelCapacity() {
      return {
        models: router
          .capacity()
          .map((c) => ({ ...c, estimatedWaitMs: Math.round(c.estimatedWaitMs) })),
      };
    },

    async setWarmPoolPolicy(req) {
      for (const t of req.targets) {
        const counts = [t.minWarmProviders, t.maxWarmProviders, t.maxLoadsPerMinute];
        if (!t.model || t.targetUtilizationPercent > 100 || counts.some((n) => n > 1_000_000))
          throw new ConnectError(
            "each target needs a model, target_utilization_percent of at most 100 and counts of at most 1000000",
            Code.InvalidArgument,
          );
      }
      await warmPool().setPolicy(
        req.targets.map((t) => ({
          model: t.model,
          minWarm: t.minWarmProviders,
          maxWarm: t.maxWarmProviders,
          targetUtilizationPercent: t.targetUtilizationPercent,
          maxLoadsPerMinute: t.maxLoadsPerMinute,
        })),
      );
      return {};
    },

    // Peer-only (the coordinator's interceptor admits these with the peer secret alone).
    forwardInfer: (req, ctx) => forwardInfer(registry, req, ctx.signal),

    sendProviderFrame: (req) => sendProviderFrame(registry, req),

    async *inferReserved(req, ctx) {
      if (!req.request) throw new ConnectError("request is required", Code.InvalidArgument);
      if (req.request.alternatesOnDemand)
        throw new ConnectError(
          "alternates on demand are supplied only to the replica the caller streams Infer from",
          Code.InvalidArgument,
        );
      for await (const event of relay(deps, router, supplies, req.request, ctx, false))
        yield { event };
    },

    async getWarmPoolPolicy() {
      return {
        targets: (await warmPool().storedPolicy()).map((t) => ({
          model: t.model,
          minWarmProviders: t.minWarm,
          maxWarmProviders: t.maxWarm,
          targetUtilizationPercent: t.targetUtilizationPercent,
          maxLoadsPerMinute: t.maxLoadsPerMinute,
        })),
      };
    },

    async getWarmPoolStatus() {
      return {
        models: (await warmPool().status()).map((m) => ({
          model: m.model,
          target: m.target,
          warm: m.warmProviderIds.length,
          loading: m.loadingProviderIds.length,
          warmProviderIds: m.warmProviderIds,
          loadingProviderIds: m.loadingProviderIds,
          failedLoads: m.failedLoads,
        })),
      };
    },
  };
}

/**
 * Infer here, or at the peer replica whose reservation it is (a sealed reserve made there).
 * Started at the first read (lazyStream), and the local relay is read directly, not re-yielded.
 */
function inferAnywhere(
  deps: RoutingDeps,
  router: Router,
  supplies: AlternateSupplies,
  req: InferRequest,
  ctx: HandlerContext,
): AsyncIterable<InferResponse> {
  return lazyStream(() => {
    const owner = reservationOwner(req.reservationId);
    if (!deps.peers || deps.reservations.ownsId(req.reservationId) || !owner)
      return relay(deps, router, supplies, req, ctx, true);
    const peer = deps.peers.addressOf(owner);
    if (!peer)
      throw new ConnectError(
        "reservation is unknown or expired (its replica is gone)",
        Code.FailedPrecondition,
      );
    return inferAtPeer(deps.peers, peer, req, ctx.signal);
  });
}

async function* inferAtPeer(
  peers: Peers,
  peer: PeerAddress,
  req: InferRequest,
  signal: AbortSignal,
): AsyncGenerator<InferResponse> {
  for await (const r of peers.link.inferReserved(peer, req, signal)) if (r.event) yield r.event;
}

/**
 * Takes the reservation, lines up the sealed bodies (primary, then alternates: as sealed, or
 * without a body when the caller seals them on demand) and relays.
 */
function relay(
  deps: RoutingDeps,
  router: Router,
  supplies: AlternateSupplies,
  req: InferRequest,
  ctx: HandlerContext,
  /** Queued chunks as one `chunks` event (a caller in this process: Infer, not InferReserved). */
  batchChunks: boolean,
): AsyncIterable<InferResponse> {
  const reservation = deps.reservations.take(req.reservationId);
  if (!reservation)
    throw new ConnectError("reservation is unknown or expired", Code.FailedPrecondition);
  const onDemand = req.alternatesOnDemand;
  const attempts: Attempt[] = [
    {
      providerId: reservation.providerId,
      copy: { senderPublicKey: req.senderPublicKey, encryptedBody: req.encryptedBody },
    },
  ];
  for (const id of reservation.alternates) {
    const sealed = onDemand ? undefined : req.alternates.find((a) => a.providerId === id);
    if (sealed || onDemand) attempts.push({ providerId: id, copy: sealed });
  }
  if (!deps.registry.get(reservation.providerId) && attempts.length === 1)
    throw new ConnectError("the reserved provider disconnected", Code.Unavailable);
  const requestId = req.requestId || reservation.requestId;
  const hedge = router.options.hedge;
  return hedgedRelay(
    {
      registry: deps.registry,
      stats: router.stats,
      hedge,
      hasRoom: (providerId) => router.hasRoomFor(providerId, reservation.metadata),
      // as long as the router waits for a model's providers to come back
      relocateWaitMs: router.options.reconnectGraceMs,
      onHedge: () => deps.metrics?.hedges.inc(),
      onRedispatch: () => deps.metrics?.redispatches.inc(),
      onUsageDispute: (figure) => deps.metrics?.usageDisputes.inc({ figure }),
      batchChunks,
      ...(onDemand
        ? {
            supplies: () =>
              supplies.begin(requestId, hedge.alternateSupplyTimeoutMs, req.encryptedBody.length),
            onSupplyMissed: (providerId: string) => {
              deps.metrics?.alternateSupplyMisses.inc();
              deps.log?.warn("alternate body not supplied in time; alternate skipped", {
                requestId,
                providerId,
                waitedMs: hedge.alternateSupplyTimeoutMs,
              });
            },
          }
        : {}),
    },
    requestId,
    reservation.metadata,
    attempts,
    ctx.signal,
  );
}
