import net from "node:net";
import type { AddressInfo } from "node:net";
import {
  type Frame,
  FrameReader,
  FrameType,
  PREFACE,
  frame,
  settingsFrame,
} from "../peer-h2/frames.js";

/**
 * A scripted HTTP/2 server for tests of the peer client's protocol handling: it speaks real
 * frames over a real socket but does only what the test tells it (answer SETTINGS, send any frame,
 * including malformed ones), and records every frame the client sent. One connection at a time.
 */
export interface FakeH2Server {
  url: string;
  /** Frames the client sent on the current connection (after the preface). */
  frames: Frame[];
  /** Resolves with the first received frame matching `match` (waiting for it if needed). */
  frameWhere(match: (f: Frame) => boolean, what: string): Promise<Frame>;
  /** Writes raw bytes to the client (once it has connected). */
  send(...frames: Buffer[]): void;
  /** Stops reading from the client (its writes back up). */
  stopReading(): void;
  /** The client closed its connection. */
  clientClosed(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeH2Server(
  options: { settings?: readonly (readonly [number, number])[] } = {},
): Promise<FakeH2Server> {
  let socket: net.Socket | undefined;
  let unsent: Buffer[] = [];
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  let closedConnection: Promise<void> = Promise.resolve();
  const server = net.createServer((s) => {
    socket = s;
    frames.length = 0;
    s.setNoDelay(true);
    s.on("error", () => undefined);
    closedConnection = new Promise((resolve) => s.once("close", () => resolve()));
    const reader = new FrameReader(1 << 24);
    let preface = Buffer.alloc(0);
    s.write(Buffer.concat([settingsFrame(options.settings ?? []), ...unsent]));
    unsent = [];
    s.on("data", (chunk: Buffer) => {
      let data = chunk;
      if (preface.length < PREFACE.length) {
        const want = PREFACE.length - preface.length;
        preface = Buffer.concat([preface, data.subarray(0, want)]);
        data = data.subarray(want);
        if (preface.length === PREFACE.length && !preface.equals(PREFACE)) s.destroy();
      }
      if (data.length === 0) return;
      for (const f of reader.push(data)) {
        frames.push({ ...f, payload: Buffer.from(f.payload) });
        if (f.type === FrameType.SETTINGS && !(f.flags & 1))
          s.write(frame(FrameType.SETTINGS, 1, 0));
      }
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    frames,
    frameWhere(match, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the client sent no ${what}`));
        }, 5_000);
        const check = (): void => {
          const found = frames.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
      });
    },
    send(...out) {
      if (socket) socket.write(Buffer.concat(out));
      else unsent.push(...out);
    },
    stopReading() {
      socket?.pause();
    },
    clientClosed: () => closedConnection,
    close() {
      socket?.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
