import { toBinary } from "@bufbuild/protobuf";
import { ForwardInferRequestSchema, type ForwardInferRequest } from "@darkbloom/proto";
import { ProtobufWriter } from "@darkbloom/frames";

// ForwardInferRequest (routing.proto): provider_id 1, request 2, origin_replica_id 3.
// InferenceRequest (provider.proto): request_id 1, metadata 2, sender_public_key 3, encrypted_body 4.
// RoutingMetadata: model 1, estimated_prompt_tokens 2, max_tokens 3, stream 4, account_id 5,
// prefix_block_hashes 6 (repeated bytes).

const isUint32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/** Plain values within what this encoder writes (uint32 counts, no unknown fields). */
const plain = (r: ForwardInferRequest): boolean => {
  const m = r.request?.metadata;
  return (
    !r.$unknown &&
    !r.request?.$unknown &&
    !m?.$unknown &&
    (m === undefined || (isUint32(m.estimatedPromptTokens) && isUint32(m.maxTokens)))
  );
};

/**
 * The bytes of a ForwardInferRequest as `toBinary` writes them (fields in order, proto3 defaults
 * left out), written directly: the request is sent once per forwarded request, on the path to its
 * first token. Anything this does not write itself (unknown fields) goes through `toBinary`.
 */
export function encodeForwardInferRequest(r: ForwardInferRequest): Uint8Array {
  if (!plain(r)) return toBinary(ForwardInferRequestSchema, r);
  const req = r.request;
  const w = new ProtobufWriter(256 + (req?.encryptedBody.length ?? 0));
  w.string(1, r.providerId);
  if (req) {
    const reqAt = w.open(2);
    w.string(1, req.requestId);
    const m = req.metadata;
    if (m) {
      const metaAt = w.open(2);
      w.string(1, m.model);
      if (m.estimatedPromptTokens) w.varintField(2, m.estimatedPromptTokens);
      if (m.maxTokens) w.varintField(3, m.maxTokens);
      if (m.stream) w.varintField(4, 1);
      w.string(5, m.accountId);
      // repeated bytes: every element is written, an empty one too
      for (const h of m.prefixBlockHashes) w.bytesAlways(6, h);
      w.close(metaAt);
    }
    w.bytes(3, req.senderPublicKey);
    w.bytes(4, req.encryptedBody);
    w.close(reqAt);
  }
  w.string(3, r.originReplicaId);
  return w.finish();
}
