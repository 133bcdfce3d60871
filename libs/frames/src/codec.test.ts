import { equals } from "@bufbuild/protobuf";
import { ProviderFrameSchema } from "@darkbloom/proto";
import { expect } from "chai";
import { decodeFrame, encodeFrame } from "./codec.js";
import { SAMPLE_FRAMES } from "./sample-frames.test-helper.js";

describe("frame codec", () => {
  for (const [kind, frame] of Object.entries(SAMPLE_FRAMES)) {
    it(`round-trips a ${kind} frame`, () => {
      const decoded = decodeFrame(encodeFrame(frame));
      expect(decoded.ok).to.equal(true);
      if (!decoded.ok) return;
      expect(decoded.kind).to.equal(kind);
      expect(equals(ProviderFrameSchema, decoded.frame, frame)).to.equal(true);
    });
  }

  it("refuses garbage bytes as malformed instead of throwing", () => {
    const result = decodeFrame(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(result).to.include({ ok: false, reason: "malformed" });
  });

  it("refuses a frame one byte over the limit before decoding it", () => {
    const bytes = encodeFrame(SAMPLE_FRAMES.chunk);
    expect(decodeFrame(bytes, bytes.byteLength).ok).to.equal(true);
    expect(decodeFrame(bytes, bytes.byteLength - 1)).to.include({ ok: false, reason: "too_large" });
  });

  it("refuses an empty frame that carries no message", () => {
    expect(decodeFrame(new Uint8Array(0))).to.include({ ok: false, reason: "empty" });
  });
});
