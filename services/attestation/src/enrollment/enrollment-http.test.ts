import { serveRoutes, type ServedRoutes } from "@darkbloom/edge/testing";
import { createLogger } from "@darkbloom/telemetry";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import * as pkijs from "pkijs";
import { attestationMigrations } from "../attestation-migrations.js";
import {
  createDeviceIdentity,
  createProfileSigner,
  createTestIntermediate,
  createTestRoot,
  signCheckIn,
  type TestCa,
} from "../testing/test-ca.js";
import { createDeviceStore, type DeviceStore } from "./device-store.js";
import { createEnrollmentRoutes } from "./enrollment-http.js";
import { toPlistXml, type PlistValue } from "./plist.js";
import { mdmRootsFromPem } from "./verify-mdm-signature.js";

type Identity = Awaited<ReturnType<typeof createDeviceIdentity>>;

describe("enrollment HTTP", function () {
  this.timeout(60_000); // embedded Postgres start
  let db: TestDatabase | undefined;
  let devices: DeviceStore;
  let root: TestCa;
  let issuer: TestCa;
  const servers: ServedRoutes[] = [];
  let base = "";
  const udid = "00008103-0001";
  let device: Identity;

  async function serve(mdmRootsPem: string[]): Promise<string> {
    const routes = createEnrollmentRoutes({
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
      mdmIdentityRoots: mdmRootsFromPem(mdmRootsPem),
      log: createLogger({ level: "error" }),
    });
    const served = await serveRoutes(routes);
    servers.push(served);
    return served.base;
  }

  const checkIn = async (
    body: Record<string, PlistValue>,
    signer: Identity | undefined,
    url = base,
    tamper = false,
  ) => {
    const bytes = new TextEncoder().encode(toPlistXml(body));
    const headers: Record<string, string> = {};
    if (signer)
      headers["mdm-signature"] = await signCheckIn(bytes, signer, [issuer.certificatePem]);
    if (tamper) bytes.set([(bytes[bytes.length - 10] ?? 0) ^ 1], bytes.length - 10);
    return fetch(`${url}/v1/mdm/checkin`, { method: "PUT", headers, body: bytes });
  };

  before(async () => {
    db = await startTestDatabase({ migrations: [attestationMigrations] });
    devices = createDeviceStore(db.pool);
    root = await createTestRoot("Test ACME Root");
    issuer = await createTestIntermediate(root, "Test ACME Issuer");
    device = await createDeviceIdentity(issuer, udid);
    base = await serve([root.certificatePem]);
  });

  after(async () => {
    for (const server of servers) await server.close();
    await db?.stop();
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

  it("keeps signed Authenticate, TokenUpdate and CheckOut in Postgres, visible to every replica", async () => {
    const token = new Uint8Array([1, 2, 3, 4]);
    const auth = await checkIn({ MessageType: "Authenticate", UDID: udid, Topic: "t" }, device);
    expect(auth.status).to.equal(200);
    expect(await devices.isEnrolled(udid)).to.equal(false);
    const update = { MessageType: "TokenUpdate", UDID: udid, Topic: "t", Token: token };
    expect((await checkIn({ ...update, PushMagic: "magic-1" }, device)).status).to.equal(200);
    if (!db) throw new Error("no database");
    const replica = createDeviceStore(db.pool); // another coordinator on the same database
    expect(await replica.isEnrolled(udid)).to.equal(true);
    const row = await replica.find(udid);
    expect(row?.push_magic).to.equal("magic-1");
    expect([...(row?.push_token ?? [])]).to.deep.equal([1, 2, 3, 4]);
    expect(row?.identity_cert_sha256).to.match(/^[0-9a-f]{64}$/);
    expect((await checkIn({ MessageType: "CheckOut", UDID: udid }, device)).status).to.equal(200);
    expect(await replica.isEnrolled(udid)).to.equal(false);
  });

  it("refuses unsigned, tampered and foreign-root check-ins without changing state", async () => {
    const other = "00008103-0002";
    const msg = { MessageType: "Authenticate", UDID: other, Topic: "t" };
    expect((await checkIn(msg, undefined)).status).to.equal(401);
    const mine = await createDeviceIdentity(issuer, other);
    expect((await checkIn(msg, mine, base, true)).status).to.equal(401);
    const impostorRoot = await createTestRoot("Impostor Root");
    const impostor = await createDeviceIdentity(impostorRoot, other);
    expect((await checkIn(msg, impostor)).status).to.equal(401);
    expect(await devices.find(other)).to.equal(null);
  });

  it("refuses a check-in signed with another device's identity or another certificate", async () => {
    const victim = "00008103-0003";
    const auth = { MessageType: "Authenticate", UDID: victim, Topic: "t" };
    expect((await checkIn(auth, device)).status).to.equal(401); // cert names another UDID
    const victimIdentity = await createDeviceIdentity(issuer, victim);
    expect((await checkIn(auth, victimIdentity)).status).to.equal(200);
    const reissued = await createDeviceIdentity(issuer, victim);
    const update = { MessageType: "TokenUpdate", UDID: victim, Topic: "t", PushMagic: "m" };
    expect((await checkIn(update, reissued)).status).to.equal(403);
    expect(await devices.isEnrolled(victim)).to.equal(false);
  });

  it("answers 503 when no identity roots are configured and 400 to a non-plist body", async () => {
    const unconfigured = await serve([]);
    const msg = { MessageType: "Authenticate", UDID: udid, Topic: "t" };
    expect((await checkIn(msg, device, unconfigured)).status).to.equal(503);
    const res = await fetch(`${base}/v1/mdm/checkin`, { method: "POST", body: "<html>" });
    expect(res.status).to.equal(400);
  });
});
