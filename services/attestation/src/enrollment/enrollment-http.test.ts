import http from "node:http";
import { createLogger } from "@darkbloom/telemetry";
import { expect } from "chai";
import * as pkijs from "pkijs";
import { createProfileSigner } from "../testing/test-ca.js";
import { createEnrollmentHttp } from "./enrollment-http.js";
import { DeviceRegistry } from "./mdm-checkin.js";
import { toPlistXml } from "./plist.js";

describe("enrollment HTTP", () => {
  const devices = new DeviceRegistry();
  let server: http.Server;
  let base = "";

  before(async () => {
    const handler = createEnrollmentHttp({
      authenticate: (key) => Promise.resolve(key === "db-good" ? { accountId: "acct-1" } : null),
      signer: { ...createProfileSigner(), chainPem: [] },
      profile: {
        mdmServerUrl: "https://coord.example/mdm/server",
        checkInUrl: "https://coord.example/v1/mdm/checkin",
        topic: "com.apple.mgmt.External.test",
        acmeDirectoryUrl: "https://coord.example/acme/directory",
        organization: "Darkbloom",
      },
      devices,
      log: createLogger({ level: "error" }),
    });
    server = http.createServer((req, res) => handler.handle(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("serves a signed per-device profile to the account's key", async () => {
    const res = await fetch(`${base}/v1/enroll/mac-7.mobileconfig`, {
      headers: { authorization: "Bearer db-good" },
    });
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.equal("application/x-apple-aspen-config");
    const der = new Uint8Array(await res.arrayBuffer());
    const signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(der).content });
    expect(await signed.verify({ signer: 0, checkChain: false })).to.equal(true);
    expect(Buffer.from(der).toString("latin1")).to.contain("ai.darkbloom.enroll.mac-7");
  });

  it("refuses a profile without a valid key", async () => {
    const res = await fetch(`${base}/v1/enroll/mac-7.mobileconfig`, {
      headers: { authorization: "Bearer db-wrong" },
    });
    expect(res.status).to.equal(401);
  });

  it("tracks Authenticate, TokenUpdate and CheckOut check-ins", async () => {
    const post = (body: Record<string, string>) =>
      fetch(`${base}/v1/mdm/checkin`, { method: "PUT", body: toPlistXml(body) });
    const udid = "00008103-0001";
    expect((await post({ MessageType: "Authenticate", UDID: udid, Topic: "t" })).status).to.equal(
      200,
    );
    expect(devices.isEnrolled(udid)).to.equal(false);
    await post({ MessageType: "TokenUpdate", UDID: udid, Topic: "t" });
    expect(devices.isEnrolled(udid)).to.equal(true);
    await post({ MessageType: "CheckOut", UDID: udid });
    expect(devices.isEnrolled(udid)).to.equal(false);
  });

  it("answers 400 to a body that is not a check-in plist", async () => {
    const res = await fetch(`${base}/v1/mdm/checkin`, { method: "POST", body: "<html>" });
    expect(res.status).to.equal(400);
  });
});
