/**
 * Node's native latin1 decoder, called on the bytes themselves (no Buffer view made per call);
 * absent in browsers (typed structurally: this library also runs there).
 */
const latin1Slice = (
  globalThis as {
    Buffer?: {
      prototype: { latin1Slice?: (this: Uint8Array, start: number, end: number) => string };
    };
  }
).Buffer?.prototype.latin1Slice;

/** `bytes[start, end)` as a latin1 string: one native call under Node, no per-character work. */
export function latin1String(bytes: Uint8Array, start: number, end: number): string {
  if (latin1Slice) return latin1Slice.call(bytes, start, end);
  return String.fromCharCode(...bytes.subarray(start, end));
}
