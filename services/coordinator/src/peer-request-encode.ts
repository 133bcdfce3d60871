import { toBinary } from "@bufbuild/protobuf";
import {
  ForwardInferRequestSchema,
  type ForwardInferRequest,
  type RoutingMetadata,
} from "@darkbloom/proto";
import { varintSize } from "./protobuf-varint.js";

// ForwardInferRequest (routing.proto): provider_id 1, request 2, origin_replica_id 3.
// InferenceRequest (provider.proto): request_id 1, metadata 2, sender_public_key 3, encrypted_body 4.
// RoutingMetadata: model 1, estimated_prompt_tokens 2, max_tokens 3, stream 4, account_id 5,
// prefix_block_hashes 6 (repeated bytes). Tags below are (field << 3) | wire type.
export const LEN = 2;
export const VARINT = 0;
export const tag = (field: number, wire: number): number => (field << 3) | wire;

/** Bytes of a length-delimited field (tag, length, body) of `n` body bytes. */
const lenField = (n: number): number => 1 + varintSize(n) + n;

class Writer {
  at = 0;
  constructor(readonly out: Buffer) {}

  varint(n: number): void {
    while (n >= 0x80) {
      this.out[this.at++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.out[this.at++] = n;
  }

  string(field: number, s: string, bytes: number): void {
    if (bytes === 0) return;
    this.out[this.at++] = tag(field, LEN);
    this.varint(bytes);
    this.at += this.out.write(s, this.at, "utf8");
  }

  bytes(field: number, b: Uint8Array, always = false): void {
    if (b.length === 0 && !always) return;
    this.out[this.at++] = tag(field, LEN);
    this.varint(b.length);
    this.out.set(b, this.at);
    this.at += b.length;
  }

  uint(field: number, n: number): void {
    if (n === 0) return;
    this.out[this.at++] = tag(field, VARINT);
    this.varint(n);
  }
}

const utf8 = (s: string): number => (s.length === 0 ? 0 : Buffer.byteLength(s, "utf8"));

function metadataSize(m: RoutingMetadata, model: number, account: number): number {
  let n = 0;
  if (model) n += lenField(model);
  if (m.estimatedPromptTokens) n += 1 + varintSize(m.estimatedPromptTokens);
  if (m.maxTokens) n += 1 + varintSize(m.maxTokens);
  if (m.stream) n += 2;
  if (account) n += lenField(account);
  for (const h of m.prefixBlockHashes) n += lenField(h.length);
  return n;
}

/** Plain values within what this encoder writes (uint32 counts, no unknown fields). */
const plain = (r: ForwardInferRequest): boolean => {
  const m = r.request?.metadata;
  return (
    !r.$unknown &&
    !r.request?.$unknown &&
    !m?.$unknown &&
    (m === undefined ||
      (Number.isInteger(m.estimatedPromptTokens) &&
        m.estimatedPromptTokens >= 0 &&
        m.estimatedPromptTokens <= 0xffffffff &&
        Number.isInteger(m.maxTokens) &&
        m.maxTokens >= 0 &&
        m.maxTokens <= 0xffffffff))
  );
};

/**
 * The bytes of a ForwardInferRequest as `toBinary` writes them (fields in order, proto3 defaults
 * left out), written directly: the request is sent once per forwarded request, on the path to its
 * first token. Anything this does not write itself (unknown fields) goes through `toBinary`.
 */
export function encodeForwardInferRequest(r: ForwardInferRequest): Uint8Array {
  if (!plain(r)) return toBinary(ForwardInferRequestSchema, r);
  const provider = utf8(r.providerId);
  const origin = utf8(r.originReplicaId);
  const req = r.request;
  let reqSize = 0;
  let id = 0;
  let model = 0;
  let account = 0;
  let metaSize = 0;
  if (req) {
    id = utf8(req.requestId);
    if (id) reqSize += lenField(id);
    if (req.metadata) {
      model = utf8(req.metadata.model);
      account = utf8(req.metadata.accountId);
      metaSize = metadataSize(req.metadata, model, account);
      reqSize += lenField(metaSize);
    }
    if (req.senderPublicKey.length) reqSize += lenField(req.senderPublicKey.length);
    if (req.encryptedBody.length) reqSize += lenField(req.encryptedBody.length);
  }
  const size =
    (provider ? lenField(provider) : 0) +
    (req ? lenField(reqSize) : 0) +
    (origin ? lenField(origin) : 0);
  const w = new Writer(Buffer.allocUnsafe(size));
  w.string(1, r.providerId, provider);
  if (req) {
    w.out[w.at++] = tag(2, LEN);
    w.varint(reqSize);
    w.string(1, req.requestId, id);
    const m = req.metadata;
    if (m) {
      w.out[w.at++] = tag(2, LEN);
      w.varint(metaSize);
      w.string(1, m.model, model);
      w.uint(2, m.estimatedPromptTokens);
      w.uint(3, m.maxTokens);
      if (m.stream) w.uint(4, 1);
      w.string(5, m.accountId, account);
      // repeated bytes: every element is written, an empty one too
      for (const h of m.prefixBlockHashes) w.bytes(6, h, true);
    }
    w.bytes(3, req.senderPublicKey);
    w.bytes(4, req.encryptedBody);
  }
  w.string(3, r.originReplicaId, origin);
  return w.out;
}
