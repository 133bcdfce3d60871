export { encodeFrame, decodeFrame, toBytes, DEFAULT_MAX_FRAME_BYTES } from "./codec.js";
export type { DecodeResult, FrameKind } from "./codec.js";
export { readChunk } from "./chunk-fast-path.js";
export { inferenceRequestWritable, writeInferenceRequest } from "./inference-request-frame.js";
export { laneOf } from "./lane.js";
export type { Lane } from "./lane.js";
export { TwoLaneWriter, WriterClosedError } from "./two-lane-writer.js";
export type { FrameSocket, TwoLaneWriterOptions, WriterState } from "./two-lane-writer.js";
export {
  DELIMITED,
  FIXED32,
  ProtobufWriter,
  VARINT,
  readAscii,
  readAsciiInto,
  readFields,
  readVarint,
  tag,
  varintSize,
  writeVarint,
} from "./protobuf-wire.js";
export type { FieldReader } from "./protobuf-wire.js";
