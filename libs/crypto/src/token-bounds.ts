import { SEAL_OVERHEAD_BYTES } from "./constants.js";

/**
 * Tokens a chat template adds that are not in the body's bytes (role markers, a default system
 * prompt, tool-use instructions): the documented tolerance on a provider's prompt report.
 */
export const PROMPT_TEMPLATE_ALLOWANCE_TOKENS = 256;

/** Plaintext bytes inside a sealed box (0 for one too short to hold any). */
export const sealedPlaintextBytes = (sealedBytes: number): number =>
  Math.max(0, sealedBytes - SEAL_OVERHEAD_BYTES);

/**
 * The most prompt tokens a sealed inference body can hold: byte-level BPE never yields more tokens
 * than bytes, and the prompt is part of the body, plus the template allowance. The coordinator
 * computes it from the ciphertext alone (in sealed mode it cannot read the prompt).
 */
export const promptTokenBoundOfSealedBody = (sealedBytes: number): number =>
  sealedPlaintextBytes(sealedBytes) + PROMPT_TEMPLATE_ALLOWANCE_TOKENS;

/**
 * Completion tokens one relayed chunk may bill: its cleartext count, but never more tokens than
 * the sealed payload has bytes (each token decodes to at least one byte), and at least one so a
 * chunk whose text a tokenizer holds back (a split UTF-8 character) still counts its token.
 */
export const chunkTokenBound = (claimedTokens: number, sealedPayloadBytes: number): number =>
  Math.min(claimedTokens, Math.max(1, sealedPlaintextBytes(sealedPayloadBytes)));
