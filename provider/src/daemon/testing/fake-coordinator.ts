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
  close(): Promise<void>;
}> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const state = {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    registers: 0,
    sockets: [] as WebSocket[],
    frames: [] as ProviderFrame[],
    close: () =>
      new Promise<void>((r) => {
        for (const s of wss.clients) s.terminate();
        wss.close(() => r());
      }),
  };
  wss.on("connection", (ws) => {
    state.sockets.push(ws);
    ws.on("message", (data: Buffer) => {
      const d = decodeFrame(toBytes(data));
      if (!d.ok) return;
      state.frames.push(d.frame);
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
