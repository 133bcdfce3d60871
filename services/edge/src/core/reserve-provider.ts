import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import {
  RoutingMetadataSchema,
  type ReserveResponse,
  type RoutingService,
  type TrustLevel,
} from "@darkbloom/proto";
import { EdgeError } from "../errors/edge-error.js";
import { toEdgeError } from "../errors/from-connect.js";

/** What routing needs to pick a provider: cleartext metadata only, never the body. */
export interface ProviderOrder {
  /** The coordinator's id of the request (never the client's x-request-id). */
  requestId: string;
  model: string;
  estimatedPromptTokens: number;
  maxTokens: number;
  stream: boolean;
  /** The account scope the provider keys its caches by (prefix/provider-scope.ts). */
  accountId: string;
  minTrust: TrustLevel;
  /** The consumer's quantization allow-list (empty = any). */
  quantizations?: readonly string[];
  /** The consumer's `provider.sort` (throughput, latency, price); absent = the routing profile. */
  sort?: string;
  /** Keyed prefix block hashes for the prefix-affinity scorer (services/edge/src/prefix/). */
  prefixBlockHashes?: readonly Uint8Array[];
}

/**
 * The routing step of every inference: RoutingService.Reserve picks a provider and answers with
 * its attested X25519 key. Compat mode seals the body to it at once (run-inference.ts); sealed
 * mode hands it to the client, which seals and submits later (sealed-mode/sealed-reserve.ts).
 */
export async function reserveProvider(
  routing: Client<typeof RoutingService>,
  order: ProviderOrder,
): Promise<ReserveResponse> {
  return routing
    .reserve({
      requestId: order.requestId,
      minTrust: order.minTrust,
      quantizations: [...(order.quantizations ?? [])],
      sort: order.sort ?? "",
      metadata: create(RoutingMetadataSchema, {
        model: order.model,
        estimatedPromptTokens: order.estimatedPromptTokens,
        maxTokens: order.maxTokens,
        stream: order.stream,
        accountId: order.accountId,
        prefixBlockHashes: [...(order.prefixBlockHashes ?? [])],
      }),
    })
    .catch((err: unknown) => {
      const ce = ConnectError.from(err);
      if (ce.code === Code.NotFound) {
        throw new EdgeError(
          404,
          "invalid_request_error",
          "model_not_found",
          `The model '${order.model}' does not exist or has no provider online`,
          "model",
        );
      }
      if (ce.code === Code.FailedPrecondition)
        throw new EdgeError(503, "server_error", "no_capacity", ce.rawMessage);
      throw toEdgeError(err);
    });
}
