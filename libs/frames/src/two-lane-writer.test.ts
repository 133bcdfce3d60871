import { create, fromBinary } from "@bufbuild/protobuf";
import { ProviderFrameSchema } from "@darkbloom/proto";
import { expect } from "chai";
import { decodeFrame } from "./codec.js";
import { SAMPLE_FRAMES } from "./sample-frames.test-helper.js";
import { TwoLaneWriter, WriterClosedError, type FrameSocket } from "./two-lane-writer.js";

/** An in-memory socket whose writes complete only when the test says so. */
class ManualSocket implements FrameSocket {
  readonly written: string[] = [];
  readonly bytes: Uint8Array[] = [];
  readonly callbacks: Array<(err?: Error) => void> = [];
  terminated = false;
  send(data: Uint8Array, _options: { binary: true }, cb: (err?: Error) => void): void {
    const decoded = decodeFrame(data);
    this.written.push(decoded.ok ? decoded.kind : "invalid");
    this.bytes.push(data);
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

  it("hands every frame queued behind a write to the socket as one batch, in order and intact", async () => {
    const socket = new ManualSocket();
    const writer = new TwoLaneWriter(socket, { writeTimeoutMs: 1000 });
    const first = writer.write(SAMPLE_FRAMES.chunk);
    const frames = Array.from({ length: 50 }, (_, i) =>
      create(ProviderFrameSchema, {
        kind: {
          case: "chunk",
          value: { requestId: `r-${i}`, sequence: i, encryptedPayload: new Uint8Array(i).fill(i) },
        },
      }),
    );
    const queued = frames.map((f) => writer.write(f));
    queued.push(writer.write(SAMPLE_FRAMES.cancel));
    expect(socket.written).to.have.length(1); // one batch in flight: the rest waits
    socket.flushOne();
    await first;
    // the next batch left at once, before any of its callbacks: control lane first
    expect(socket.written).to.have.length(52);
    expect(socket.written[1]).to.equal("cancel");
    const sent = socket.bytes.slice(2).map((b) => fromBinary(ProviderFrameSchema, b));
    expect(sent).to.deep.equal(frames);
    expect(writer.queued).to.equal(51);
    for (let i = 0; i < 51; i++) socket.flushOne();
    await Promise.all(queued);
    expect(writer.queued).to.equal(0);
    writer.close();
  });

  it("a control frame written while a batch is in flight goes before data queued earlier", async () => {
    const socket = new ManualSocket();
    const writer = new TwoLaneWriter(socket, { writeTimeoutMs: 1000 });
    const done = [writer.write(SAMPLE_FRAMES.chunk)];
    done.push(writer.write(SAMPLE_FRAMES.complete));
    done.push(writer.write(SAMPLE_FRAMES.heartbeat));
    socket.flushOne();
    await done[0];
    expect(socket.written).to.deep.equal(["chunk", "heartbeat", "complete"]);
    socket.flushOne();
    socket.flushOne();
    await Promise.all(done);
    writer.close();
  });

  it("does not count a batch that drains slowly but steadily as a stall", async () => {
    const socket = new ManualSocket();
    let stalls = 0;
    const writer = new TwoLaneWriter(socket, { writeTimeoutMs: 60, onStall: () => stalls++ });
    const first = writer.write(SAMPLE_FRAMES.chunk);
    const rest = [writer.write(SAMPLE_FRAMES.complete), writer.write(SAMPLE_FRAMES.complete)];
    socket.flushOne();
    await first;
    // each frame of the batch is written 40 ms after the last: progress within every window
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 40));
      socket.flushOne();
    }
    await Promise.all(rest);
    expect(stalls).to.equal(0);
    expect(writer.state).to.equal("open");
    writer.close();
  });

  it("fails the whole batch when the socket reports a write failed", async () => {
    const socket = new ManualSocket();
    const writer = new TwoLaneWriter(socket, { writeTimeoutMs: 1000 });
    const first = writer.write(SAMPLE_FRAMES.chunk);
    const rest = [writer.write(SAMPLE_FRAMES.complete), writer.write(SAMPLE_FRAMES.cancel)];
    socket.flushOne();
    await first;
    socket.callbacks.shift()?.(new Error("EPIPE"));
    const results = await Promise.allSettled(rest);
    expect(results.map((r) => r.status)).to.deep.equal(["rejected", "rejected"]);
    expect(writer.state).to.equal("closed");
  });
});
