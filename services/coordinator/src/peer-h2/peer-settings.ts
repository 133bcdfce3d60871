import {
  DEFAULT_MAX_FRAME,
  DEFAULT_WINDOW,
  ErrorCode,
  H2ProtocolError,
  MAX_WINDOW,
  Setting,
} from "./frames.js";

/** The settings the peer announced (RFC 9113 §6.5.2) that bind what we send. */
export class PeerSettings {
  initialWindow = DEFAULT_WINDOW;
  maxFrame = DEFAULT_MAX_FRAME;
  maxStreams = Number.POSITIVE_INFINITY;

  /**
   * Applies one SETTINGS payload (its length already checked); returns by how much every open
   * stream's send window moves (a new initial window size applies to them too).
   */
  apply(payload: Buffer): number {
    let windowDelta = 0;
    for (let at = 0; at < payload.length; at += 6) {
      const id = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      switch (id) {
        case Setting.INITIAL_WINDOW_SIZE:
          if (value > MAX_WINDOW)
            throw new H2ProtocolError("initial window too large", ErrorCode.FLOW_CONTROL_ERROR);
          windowDelta += value - this.initialWindow;
          this.initialWindow = value;
          break;
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME || value > 16_777_215)
            throw new H2ProtocolError(`max frame size ${value}`, ErrorCode.PROTOCOL_ERROR);
          this.maxFrame = value;
          break;
        case Setting.MAX_CONCURRENT_STREAMS:
          this.maxStreams = value;
          break;
        case Setting.ENABLE_PUSH:
          if (value > 1) throw new H2ProtocolError("ENABLE_PUSH above 1", ErrorCode.PROTOCOL_ERROR);
          break;
        default:
        // HEADER_TABLE_SIZE: our encoder never indexes; MAX_HEADER_LIST_SIZE: ours are small
      }
    }
    return windowDelta;
  }
}
