import net from "node:net";

/** One raw TCP connection: everything it receives, and whether/when the server closed it. */
export interface RawClient {
  socket: net.Socket;
  received(): string;
  closed: Promise<void>;
  isClosed(): boolean;
}

export function rawClient(port: number, localAddress = "127.0.0.1"): RawClient {
  const socket = net.connect({ port, host: "127.0.0.1", localAddress });
  let text = "";
  let closed = false;
  socket.on("data", (b: Buffer) => (text += b.toString()));
  socket.on("error", () => undefined);
  const done = new Promise<void>((resolve) =>
    socket.once("close", () => {
      closed = true;
      resolve();
    }),
  );
  return { socket, received: () => text, closed: done, isClosed: () => closed };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
