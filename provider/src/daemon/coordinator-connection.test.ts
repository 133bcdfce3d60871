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

  it("on GoAway finishes the running request on the old socket and takes new ones on a new one", async () => {
    const coordinator = await fakeCoordinator();
    let registered = 0;
    const lostOld: string[] = [];
    const received: string[] = [];
    const conn = new CoordinatorConnection(
      {
        url: coordinator.url,
        register: () => create(RegisterSchema, { version: "t" }),
        proveKey: () => Promise.reject(new Error("no key proof in this test")),
        minBackoffMs: 20,
        maxBackoffMs: 50,
        writeTimeoutMs: 1000,
        maxFrameBytes: 1 << 20,
        random: () => 0.5,
      },
      {
        onRegistered: () => registered++,
        onFrame: (f) => {
          if (f.kind.case === "inferenceRequest") received.push(f.kind.value.requestId);
        },
        onDisconnected: (_reason, lost, current) => {
          if (!current) lostOld.push(...lost);
        },
      },
      createLogger({ level: "error" }),
    );
    const frame = (kind: Parameters<typeof create<typeof ProviderFrameSchema>>[1]) =>
      create(ProviderFrameSchema, kind);
    try {
      conn.start();
      await until(() => registered === 1);
      coordinator.sendTo(
        0,
        frame({ kind: { case: "inferenceRequest", value: { requestId: "old-1" } } }),
      );
      await until(() => received.includes("old-1"));
      coordinator.sendTo(
        0,
        frame({ kind: { case: "goAway", value: { reconnectDelayMs: 20, jitterMs: 40 } } }),
      );
      await until(() => conn.state.kind === "moving");
      // the old socket stays open for the running request; the new one registers
      await until(() => registered === 2);
      expect(coordinator.sockets).to.have.length(2);
      expect(conn.retiringSockets).to.equal(1);
      coordinator.sendTo(
        1,
        frame({ kind: { case: "inferenceRequest", value: { requestId: "new-1" } } }),
      );
      await until(() => received.includes("new-1"));
      const chunk = (requestId: string) =>
        frame({ kind: { case: "chunk", value: { requestId, sequence: 0 } } });
      await conn.send(chunk("old-1"));
      await conn.send(chunk("new-1"));
      await conn.send(frame({ kind: { case: "heartbeat", value: {} } }));
      await conn.send(frame({ kind: { case: "complete", value: { requestId: "old-1" } } }));
      await until(() => coordinator.sockets[0]?.readyState === coordinator.sockets[0]?.CLOSED);
      await until(() => conn.retiringSockets === 0);
      const on = (socket: number) =>
        coordinator.arrivals
          .filter((a) => a.socket === socket)
          .map(
            (a) =>
              `${a.frame.kind.case ?? ""}${"requestId" in (a.frame.kind.value ?? {}) ? `:${(a.frame.kind.value as { requestId: string }).requestId}` : ""}`,
          );
      expect(on(0)).to.deep.equal(["register", "chunk:old-1", "heartbeat", "complete:old-1"]);
      expect(on(1)).to.deep.equal(["register", "chunk:new-1", "heartbeat"]);
      expect(lostOld, "the old socket closed with nothing running").to.deep.equal([]);
      expect(conn.state.kind).to.equal("registered");
    } finally {
      conn.close();
      await coordinator.close();
    }
  });

  it("a GoAway with nothing running closes the old socket at once", async () => {
    const coordinator = await fakeCoordinator();
    let registered = 0;
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
        onDisconnected: () => undefined,
      },
      createLogger({ level: "error" }),
    );
    try {
      conn.start();
      await until(() => registered === 1);
      coordinator.sendTo(
        0,
        create(ProviderFrameSchema, {
          kind: { case: "goAway", value: { reconnectDelayMs: 200, jitterMs: 0 } },
        }),
      );
      await until(() => coordinator.sockets[0]?.readyState === coordinator.sockets[0]?.CLOSED);
      expect(registered, "not reconnected before the delay").to.equal(1);
      await until(() => registered === 2);
    } finally {
      conn.close();
      await coordinator.close();
    }
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
