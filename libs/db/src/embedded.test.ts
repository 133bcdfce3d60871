import { access, chmod, mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { sql } from "slonik";
import { z } from "zod";
import { createPool } from "./connection.js";
import { startEmbeddedPostgres } from "./embedded.js";

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );
const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

describe("startEmbeddedPostgres", () => {
  let parent = "";
  before(async () => {
    parent = await mkdtemp(path.join(tmpdir(), "darkbloom-embedded-test-"));
    await chmod(parent, 0o755); // the server runs as another user when we are root
  });
  after(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it("initialises a persistent folder once and keeps its data across restarts", async () => {
    const dataDir = path.join(parent, "nested", "postgres");
    const first = await startEmbeddedPostgres({ dataDir });
    try {
      const pool = await createPool(first.url);
      await pool.query(sql.unsafe`CREATE TABLE kept (v text)`);
      await pool.query(sql.unsafe`INSERT INTO kept VALUES ('still here')`);
      await pool.end();
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres({ dataDir });
    try {
      const pool = await createPool(second.url);
      expect(
        await pool.oneFirst(sql.type(z.object({ v: z.string() }))`SELECT v FROM kept`),
      ).to.equal("still here");
      await pool.end();
    } finally {
      await second.stop();
    }
  });

  it("really stops the server and removes a temp folder", async () => {
    const server = await startEmbeddedPostgres();
    expect(await accepts(server.port)).to.equal(true);
    await server.stop();
    await server.stop();
    expect(await accepts(server.port)).to.equal(false);
    expect(await exists(server.dataDir)).to.equal(false);
  });

  it("refuses a non-empty folder that is not a cluster", async () => {
    let failure: unknown;
    await startEmbeddedPostgres({ dataDir: parent }).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.include("neither empty nor a PostgreSQL cluster");
  });
});
