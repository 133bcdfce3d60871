import { create } from "@bufbuild/protobuf";
import { decodeFrame, encodeFrame, toBytes } from "@darkbloom/frames";
import { ProviderFrameSchema, RegisterSchema, type ProviderFrame } from "@darkbloom/proto";
import { createLogger } from "@darkbloom/telemetry";
import { expect } from "chai";
import { WebSocketServer, type WebSocket } from "ws";
import { CoordinatorConnection } from "./coordinator-connection.js";

/** A coordinator stand-in on a real socket: acks every register and records what arrives. */
async function fakeCoordinator(): Promise<{
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

describe("CoordinatorConnection", () => {
  it("registers, and after the socket drops reconnects and registers again", async () => {
    const coordinator = await fakeCoordinator();
    let registered = 0;
    let disconnects = 0;
    const conn = new CoordinatorConnection(
      {
        url: coordinator.url,
        register: () => create(RegisterSchema, { version: "t" }),
        minBackoffMs: 20,
        maxBackoffMs: 50,
        writeTimeoutMs: 1000,
        maxFrameBytes: 1 << 20,
      },
      {
        onRegistered: () => registered++,
        onFrame: () => undefined,
        onDisconnected: () => disconnects++,
      },
      createLogger({ level: "error" }),
    );
    try {
      conn.start();
      await until(() => registered === 1);
      expect(conn.state).to.deep.include({ kind: "registered", providerId: "p1" });
      coordinator.sockets[0]?.terminate();
      await until(() => registered === 2);
      expect(disconnects).to.equal(1);
      expect(coordinator.registers).to.equal(2);
    } finally {
      conn.close();
      await coordinator.close();
    }
    expect(conn.state.kind).to.equal("closed");
  });

  it("refuses to send while not registered", async () => {
    const conn = new CoordinatorConnection(
      {
        url: "ws://127.0.0.1:1",
        register: () => create(RegisterSchema, {}),
        minBackoffMs: 10,
        maxBackoffMs: 10,
        writeTimeoutMs: 100,
        maxFrameBytes: 1024,
      },
      { onRegistered: () => undefined, onFrame: () => undefined, onDisconnected: () => undefined },
      createLogger({ level: "error" }),
    );
    const err = await conn.send(create(ProviderFrameSchema, {})).catch((e: Error) => e);
    expect(String(err)).to.match(/not connected/);
    conn.close();
  });
});

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
