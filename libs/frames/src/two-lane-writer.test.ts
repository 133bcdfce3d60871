import { expect } from "chai";
import { decodeFrame } from "./codec.js";
import { SAMPLE_FRAMES } from "./sample-frames.test-helper.js";
import { TwoLaneWriter, WriterClosedError, type FrameSocket } from "./two-lane-writer.js";

/** An in-memory socket whose writes complete only when the test says so. */
class ManualSocket implements FrameSocket {
  readonly written: string[] = [];
  readonly callbacks: Array<(err?: Error) => void> = [];
  terminated = false;
  send(data: Uint8Array, _options: { binary: true }, cb: (err?: Error) => void): void {
    const decoded = decodeFrame(data);
    this.written.push(decoded.ok ? decoded.kind : "invalid");
    this.callbacks.push(cb);
  }
  terminate(): void {
    this.terminated = true;
  }
  flushOne(): void {
    this.callbacks.shift()?.();
  }
}

describe("TwoLaneWriter", () => {
  it("sends queued control frames before queued data frames, FIFO within each lane", async () => {
    const socket = new ManualSocket();
    const writer = new TwoLaneWriter(socket, { writeTimeoutMs: 1000 });
    const done = [
      writer.write(SAMPLE_FRAMES.chunk),
      writer.write(SAMPLE_FRAMES.complete),
      writer.write(SAMPLE_FRAMES.cancel),
      writer.write(SAMPLE_FRAMES.attestationChallenge),
    ];
    for (let i = 0; i < 4; i++) socket.flushOne();
    await Promise.all(done);
    expect(socket.written).to.deep.equal(["chunk", "cancel", "attestationChallenge", "complete"]);
    writer.close();
  });

  it("resolves a write only once the socket reports it written", async () => {
    const socket = new ManualSocket();
    const writer = new TwoLaneWriter(socket, { writeTimeoutMs: 1000 });
    let resolved = false;
    const p = writer.write(SAMPLE_FRAMES.chunk).then(() => (resolved = true));
    await new Promise((r) => setImmediate(r));
    expect(resolved).to.equal(false);
    socket.flushOne();
    await p;
    expect(resolved).to.equal(true);
    writer.close();
  });

  it("terminates a socket whose write stalls and fails every queued frame", async () => {
    const socket = new ManualSocket();
    let stalls = 0;
    const writer = new TwoLaneWriter(socket, { writeTimeoutMs: 20, onStall: () => stalls++ });
    const first = writer.write(SAMPLE_FRAMES.chunk);
    const second = writer.write(SAMPLE_FRAMES.complete);
    const results = await Promise.allSettled([first, second]);
    expect(results.map((r) => r.status)).to.deep.equal(["rejected", "rejected"]);
    expect((results[0] as PromiseRejectedResult).reason).to.be.instanceOf(WriterClosedError);
    expect(socket.terminated).to.equal(true);
    expect(stalls).to.equal(1);
    expect(writer.state).to.equal("closed");
    await writer.write(SAMPLE_FRAMES.cancel).then(
      () => expect.fail("closed writer accepted a frame"),
      (err: unknown) => expect(err).to.be.instanceOf(WriterClosedError),
    );
  });
});
