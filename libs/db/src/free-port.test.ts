import { createServer } from "node:net";
import { expect } from "chai";
import { pickFreePort as freePort } from "./free-port.js";

describe("freePort", () => {
  it("returns a port that can be listened on at once", async () => {
    const port = await freePort();
    expect(port).to.be.within(1, 65_535);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("returns different ports for concurrent callers", async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    expect(new Set(ports).size).to.equal(3);
  });
});
