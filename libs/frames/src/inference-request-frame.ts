import type { InferenceRequest, ProviderFrame } from "@darkbloom/proto";
import { ProtobufWriter } from "./protobuf-wire.js";

// ProviderFrame.inference_request is field 21 (proto/darkbloom/v1/provider.proto).
// InferenceRequest: request_id 1, metadata 2, sender_public_key 3, encrypted_body 4.
// RoutingMetadata: model 1, estimated_prompt_tokens 2, max_tokens 3, stream 4, account_id 5,
// prefix_block_hashes 6 (repeated bytes).
const INFERENCE_REQUEST = 21;

const isUint32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/**
 * Whether `writeInferenceRequest` writes `r` as `toBinary` does: no unknown fields, counts
 * within uint32.
 */
export function inferenceRequestWritable(r: InferenceRequest): boolean {
  const m = r.metadata;
  return (
    !r.$unknown &&
    (m === undefined || (!m.$unknown && isUint32(m.estimatedPromptTokens) && isUint32(m.maxTokens)))
  );
}

/**
 * Writes `r` as field `field` of the message `w` is writing, in `toBinary`'s bytes (fields in
 * order, proto3 defaults left out). Only for a request `inferenceRequestWritable` accepts.
 */
export function writeInferenceRequest(w: ProtobufWriter, field: number, r: InferenceRequest): void {
  const at = w.open(field);
  w.string(1, r.requestId);
  const m = r.metadata;
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
  w.bytes(3, r.senderPublicKey);
  w.bytes(4, r.encryptedBody);
  w.close(at);
}

/**
 * The bytes of a ProviderFrame carrying an InferenceRequest (the coordinator's one frame per
 * dispatched request), written without the reflective encoder; undefined for any other frame or
 * for one `toBinary` must write (unknown fields, counts outside uint32).
 */
export function encodeInferenceRequestFrame(frame: ProviderFrame): Uint8Array | undefined {
  if (frame.kind.case !== "inferenceRequest" || frame.$unknown) return undefined;
  const r = frame.kind.value;
  if (!inferenceRequestWritable(r)) return undefined;
  const w = new ProtobufWriter(256 + r.encryptedBody.length);
  writeInferenceRequest(w, INFERENCE_REQUEST, r);
  return w.finish();
}
