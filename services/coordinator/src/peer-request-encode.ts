import { toBinary } from "@bufbuild/protobuf";
import { ForwardInferRequestSchema, type ForwardInferRequest } from "@darkbloom/proto";
import { ProtobufWriter, inferenceRequestWritable, writeInferenceRequest } from "@darkbloom/frames";

// ForwardInferRequest (routing.proto): provider_id 1, request 2, origin_replica_id 3; the request
// is written as on the provider socket (libs/frames inference-request-frame.ts).

/**
 * The bytes of a ForwardInferRequest as `toBinary` writes them (fields in order, proto3 defaults
 * left out), written directly: the request is sent once per forwarded request, on the path to its
 * first token. Anything this does not write itself (unknown fields) goes through `toBinary`.
 */
export function encodeForwardInferRequest(r: ForwardInferRequest): Uint8Array {
  const req = r.request;
  if (r.$unknown || (req && !inferenceRequestWritable(req)))
    return toBinary(ForwardInferRequestSchema, r);
  const w = new ProtobufWriter(256 + (req?.encryptedBody.length ?? 0));
  w.string(1, r.providerId);
  if (req) writeInferenceRequest(w, 2, req);
  w.string(3, r.originReplicaId);
  return w.finish();
}
