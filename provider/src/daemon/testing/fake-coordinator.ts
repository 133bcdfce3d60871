import { create } from "@bufbuild/protobuf";
import { decodeFrame, encodeFrame, toBytes } from "@darkbloom/frames";
import { ProviderFrameSchema, type ProviderFrame } from "@darkbloom/proto";
import { WebSocketServer, type WebSocket } from "ws";

/** A coordinator stand-in on a real socket: acks every register and records what arrives. */
export async function fakeCoordinator(): Promise<{
  url: string;
  registers: number;
  sockets: WebSocket[];
  frames: ProviderFrame[];
  /** Every frame with the index (in `sockets`) of the socket it arrived on. */
  arrivals: { socket: number; frame: ProviderFrame }[];
  /** Sends a frame on the i-th accepted socket. */
  sendTo(socket: number, frame: ProviderFrame): void;
  close(): Promise<void>;
}> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const state = {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    registers: 0,
    sockets: [] as WebSocket[],
    frames: [] as ProviderFrame[],
    arrivals: [] as { socket: number; frame: ProviderFrame }[],
    sendTo: (i: number, frame: ProviderFrame) => state.sockets[i]?.send(encodeFrame(frame)),
    close: () =>
      new Promise<void>((r) => {
        for (const s of wss.clients) s.terminate();
        wss.close(() => r());
      }),
  };
  wss.on("connection", (ws) => {
    const index = state.sockets.push(ws) - 1;
    ws.on("message", (data: Buffer) => {
      const d = decodeFrame(toBytes(data));
      if (!d.ok) return;
      state.frames.push(d.frame);
      state.arrivals.push({ socket: index, frame: d.frame });
      if (d.kind === "register") {
        state.registers++;
        ws.send(
          encodeFrame(
            create(ProviderFrameSchema, {
              kind: { case: "registerAck", value: { providerId: "p1", heartbeatIntervalMs: 1000 } },
            }),
          ),
        );
      }
    });
  });
  return state;
}
