// Exists because @frost-beta/mlx's typings pull in its .ts sources, which fail our strict tsc.
// The subset of `core` we use; signatures copied from its lib/index.d.ts (v0.0.7).

/** `core.Dtype`. Compare with `===` against the `MlxCore` constants. */
export interface MxDtype {
  readonly size: number;
}

/** `core.Complex`. */
export interface MxComplex {
  re: number;
  im?: number;
}

/** `core.Slice`: an index slice for `MxArray.index`. */
export interface MxSlice {
  start: number | null;
  stop: number | null;
  step: number | null;
}

/** `core.Device`. */
export interface MxDevice {
  type: number;
}

/** `core.Stream`. */
export interface MxStream {
  device: MxDevice;
}

export type MxStreamOrDevice = MxStream | MxDevice | number | undefined;
export type MxMultiDimensionalArray<T> = MxMultiDimensionalArray<T>[] | T;
export type MxScalar = boolean | number | MxComplex;
export type MxScalarOrArray = MxMultiDimensionalArray<MxScalar | MxArray>;
export type MxArrayIndex = null | MxSlice | "..." | MxArray | number;

/** `core.array` (instance side). */
export interface MxArray {
  readonly length: number;
  readonly dtype: MxDtype;
  readonly itemsize: number;
  readonly ndim: number;
  readonly shape: number[];
  readonly size: number;
  readonly T: MxArray;

  astype(dtype: MxDtype, s?: MxStreamOrDevice): MxArray;
  item(): MxScalar;
  tolist(): MxMultiDimensionalArray<MxScalar>;
  reshape(...shape: (number | number[])[]): MxArray;
  transpose(...axes: (number | number[])[]): MxArray;
  index(...index: MxArrayIndex[]): MxArray;
  indexPut_(index: MxArrayIndex | MxArrayIndex[], value: MxScalarOrArray): MxArray;
  max(keepdims?: boolean, s?: MxStreamOrDevice): MxArray;
  max(axis?: number | number[], keepdims?: boolean, s?: MxStreamOrDevice): MxArray;
  argmax(keepdims?: boolean, s?: MxStreamOrDevice): MxArray;
  argmax(axis?: number, keepdims?: boolean, s?: MxStreamOrDevice): MxArray;
}

/** `core.fast`. */
export interface MlxFast {
  readonly rmsNorm: (
    array: MxScalarOrArray,
    weights: MxScalarOrArray,
    eps: number,
    s?: MxStreamOrDevice,
  ) => MxArray;
  readonly rope: (
    array: MxScalarOrArray,
    dims: number,
    traditional: boolean,
    base: number,
    scale: number,
    offset: number,
    s?: MxStreamOrDevice,
  ) => MxArray;
  readonly scaledDotProductAttention: (
    queries: MxScalarOrArray,
    keys: MxScalarOrArray,
    values: MxScalarOrArray,
    scale: number,
    mask?: MxScalarOrArray,
    s?: MxStreamOrDevice,
  ) => MxArray;
}

/** `core` (the native module). Free functions, so typed as properties (no `this`). */
/** `core.metal`: on the CPU backend isAvailable() is false and the memory figures are 0. */
export interface MxMetal {
  isAvailable(): boolean;
  getActiveMemory(): number;
  getPeakMemory(): number;
}

export interface MlxCore {
  readonly metal: MxMetal;
  readonly float32: MxDtype;
  readonly float16: MxDtype;
  readonly bfloat16: MxDtype;
  readonly int32: MxDtype;
  readonly uint32: MxDtype;

  readonly array: (value: MxScalarOrArray, dtype?: MxDtype) => MxArray;
  readonly Slice: (start?: number | null, stop?: number | null, step?: number | null) => MxSlice;

  readonly add: (a: MxScalarOrArray, b: MxScalarOrArray, s?: MxStreamOrDevice) => MxArray;
  readonly subtract: (a: MxScalarOrArray, b: MxScalarOrArray, s?: MxStreamOrDevice) => MxArray;
  readonly multiply: (a: MxScalarOrArray, b: MxScalarOrArray, s?: MxStreamOrDevice) => MxArray;
  readonly matmul: (a: MxScalarOrArray, b: MxScalarOrArray, s?: MxStreamOrDevice) => MxArray;
  readonly sigmoid: (array: MxScalarOrArray, s?: MxStreamOrDevice) => MxArray;
  readonly zeros: (shape: number | number[], dtype?: MxDtype, s?: MxStreamOrDevice) => MxArray;
  readonly sum: (array: MxScalarOrArray, keepdims?: boolean, s?: MxStreamOrDevice) => MxArray;
  readonly arange: (
    start: number,
    stop?: number,
    step?: number,
    dtype?: MxDtype,
    s?: MxStreamOrDevice,
  ) => MxArray;
  readonly argmax: {
    (array: MxScalarOrArray, keepdims?: boolean, s?: MxStreamOrDevice): MxArray;
    (array: MxScalarOrArray, axis?: number, keepdims?: boolean, s?: MxStreamOrDevice): MxArray;
  };
  readonly take: (
    array: MxScalarOrArray,
    indices?: MxScalarOrArray,
    axis?: number,
    s?: MxStreamOrDevice,
  ) => MxArray;
  readonly split: (
    array: MxScalarOrArray,
    indicesOrSections?: number | number[],
    axis?: number,
    s?: MxStreamOrDevice,
  ) => MxArray[];
  readonly concatenate: (arrays?: MxArray[], axis?: number, s?: MxStreamOrDevice) => MxArray;
  readonly tri: (
    N: number,
    M?: number,
    k?: number,
    dtype?: MxDtype,
    s?: MxStreamOrDevice,
  ) => MxArray;
  readonly quantizedMatmul: (
    w: MxArray,
    x: MxArray,
    scales: MxScalarOrArray,
    biases: MxScalarOrArray,
    transpose: boolean,
    groupSize: number,
    bits: number,
    s?: MxStreamOrDevice,
  ) => MxArray;
  readonly dequantize: (
    w: MxArray,
    scales: MxScalarOrArray,
    biases: MxScalarOrArray,
    groupSize: number,
    bits: number,
    s?: MxStreamOrDevice,
  ) => MxArray;
  /** index.d.ts says `array`; the native function returns [packed uint32 weight, scales, biases]. */
  readonly quantize: (
    w: MxArray,
    groupSize: number,
    bits: number,
    s?: MxStreamOrDevice,
  ) => [MxArray, MxArray, MxArray];
  readonly saveSafetensors: (
    filepath: string,
    arrays: Record<string, MxArray>,
    metadata?: Record<string, string>,
  ) => void;
  /**
   * index.d.ts says `array`, but a .safetensors/.gguf file yields a name → array record
   * (only .npy yields a single array).
   */
  readonly load: (filepath: string, s?: MxStreamOrDevice) => MxArray | Record<string, MxArray>;
  readonly eval: (...args: unknown[]) => void;

  readonly fast: MlxFast;
  readonly random: MlxRandom;
}

/** `core.random` (the subset the real-size checkpoint generator uses). */
export interface MlxRandom {
  readonly key: (seed: number) => MxArray;
  readonly normal: (
    shape?: number[],
    dtype?: MxDtype,
    loc?: number,
    scale?: number,
    key?: MxArray,
    s?: MxStreamOrDevice,
  ) => MxArray;
}
