import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { keyFingerprint } from "@darkbloom/crypto";
import {
  InferResponseSchema,
  InferenceRequestSchema,
  RoutingMetadataSchema,
  type InferRequest,
  type InferResponse,
  type ModelAvailability,
  type RoutingService,
} from "@darkbloom/proto";
import type { ProviderRegistry } from "./registry/provider-registry.js";
import type { Reservations } from "./reservations.js";
import { pickProvider } from "./scheduler/pick-provider.js";

export interface RoutingDeps {
  registry: ProviderRegistry;
  reservations: Reservations;
}

export function createRoutingService(deps: RoutingDeps): ServiceImpl<typeof RoutingService> {
  const { registry, reservations } = deps;

  return {
    reserve(req) {
      const model = req.metadata?.model ?? "";
      if (!model) throw new ConnectError("metadata.model is required", Code.InvalidArgument);
      const serving = registry.withModel(model);
      if (serving.length === 0)
        throw new ConnectError(`no provider serves model ${model}`, Code.NotFound);
      const candidates = serving.map((s) => ({
        id: s.id,
        trustLevel: s.trustLevel,
        inFlight: s.inFlightCount + reservations.countFor(s.id),
        session: s,
      }));
      const picked = pickProvider(candidates, req.minTrust);
      if (!picked)
        throw new ConnectError(
          `no provider of ${model} meets the required trust level`,
          Code.FailedPrecondition,
        );
      const publicKey = picked.session.register?.encryptionPublicKey ?? new Uint8Array();
      const r = reservations.create(
        req.requestId,
        picked.id,
        req.metadata ?? create(RoutingMetadataSchema, { model }),
      );
      return {
        reservationId: r.id,
        providerId: picked.id,
        providerPublicKey: publicKey,
        trustLevel: picked.trustLevel,
        keyFingerprint: keyFingerprint(publicKey),
        expiresAtMs: BigInt(r.expiresAtMs),
      };
    },

    infer: (req, ctx) => relay(deps, req, ctx),

    cancelInference(req) {
      for (const s of registry.all()) {
        if (s.inFlightRequestIds().includes(req.requestId)) {
          s.cancel(req.requestId, req.reason || "cancelled by caller");
          return { cancelled: true };
        }
      }
      return { cancelled: false };
    },

    listModels() {
      const byModel = new Map<string, ModelAvailability>();
      for (const s of registry.all()) {
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
        })),
      };
    },
  };
}

async function* relay(
  deps: RoutingDeps,
  req: InferRequest,
  ctx: HandlerContext,
): AsyncGenerator<InferResponse> {
  const reservation = deps.reservations.take(req.reservationId);
  if (!reservation)
    throw new ConnectError("reservation is unknown or expired", Code.FailedPrecondition);
  const session = deps.registry.get(reservation.providerId);
  if (!session) throw new ConnectError("the reserved provider disconnected", Code.Unavailable);
  const requestId = req.requestId || reservation.requestId;
  const events = session.dispatch(
    create(InferenceRequestSchema, {
      requestId,
      metadata: reservation.metadata,
      senderPublicKey: req.senderPublicKey,
      encryptedBody: req.encryptedBody,
    }),
  );
  let finished = false;
  const onAbort = (): void => session.cancel(requestId, "consumer went away");
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    yield create(InferResponseSchema, {
      kind: {
        case: "started",
        value: { providerId: session.id, dispatchedAtMs: BigInt(Date.now()) },
      },
    });
    for await (const event of events) {
      if (event.kind.case === "complete" || event.kind.case === "error") finished = true;
      yield event;
    }
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    if (!finished) session.cancel(requestId, "relay ended early");
  }
}
