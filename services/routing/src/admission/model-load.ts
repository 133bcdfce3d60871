/** Memory a provider keeps free beside the weights for activations and the KV cache. */
export const LOAD_HEADROOM_BYTES = 4 * 1024 ** 3;
/** Share of RAM models may use: the rest belongs to the OS. */
export const MEMORY_CAP_FRACTION = 0.9;

export interface LoadCheck {
  ramBytes: number;
  /** Weights of the models already resident (loaded or loading). */
  residentBytes: number;
  incomingBytes: number;
}

/** A model load is admitted when resident + incoming weights + 4 GiB headroom ≤ 0.9 × RAM. */
export function admitModelLoad(c: LoadCheck): boolean {
  return (
    c.residentBytes + c.incomingBytes + LOAD_HEADROOM_BYTES <= MEMORY_CAP_FRACTION * c.ramBytes
  );
}
