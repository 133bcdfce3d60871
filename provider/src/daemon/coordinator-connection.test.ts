import { create } from "@bufbuild/protobuf";
import { ProviderFrameSchema, RegisterSchema } from "@darkbloom/proto";
import { createLogger } from "@darkbloom/telemetry";
import { expect } from "chai";
import { CoordinatorConnection } from "./coordinator-connection.js";
import { fakeCoordinator } from "./testing/fake-coordinator.js";

describe("CoordinatorConnection", () => {
  it("registers, and after the socket drops reconnects and registers again", async () => {
    const coordinator = await fakeCoordinator();
    let registered = 0;
    let disconnects = 0;
    const conn = new CoordinatorConnection(
      {
        url: coordinator.url,
        register: () => create(RegisterSchema, { version: "t" }),
        proveKey: () => Promise.reject(new Error("no key proof in this test")),
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
        proveKey: () => Promise.reject(new Error("no key proof in this test")),
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
