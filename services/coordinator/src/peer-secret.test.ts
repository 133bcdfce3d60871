import { ConfigError } from "@darkbloom/config";
import { expect } from "chai";
import { advertiseUrlOf } from "./advertise-url.js";
import { loadConfig } from "./config.js";
import { peerSecretCheck } from "./peer-secret.js";

const B64_32 = Buffer.alloc(32, 7).toString("base64");

describe("peers configuration and the peer secret", () => {
  it("refuses DARKBLOOM_PEERS=true without the shared settings, naming every missing one", () => {
    expect(() => loadConfig({ DARKBLOOM_PEERS: "true" })).to.throw(
      ConfigError,
      /DARKBLOOM_PEERS=true needs DATABASE_URL, DARKBLOOM_PREFIX_HASH_SECRET, DARKBLOOM_KEY_ENCRYPTION_KEY, DARKBLOOM_PEER_SECRET/,
    );
    expect(() =>
      loadConfig({
        DARKBLOOM_PEERS: "true",
        DATABASE_URL: "postgres://db.test/darkbloom",
        DARKBLOOM_PREFIX_HASH_SECRET: B64_32,
        DARKBLOOM_KEY_ENCRYPTION_KEY: B64_32,
      }),
    ).to.throw(ConfigError, /needs DARKBLOOM_PEER_SECRET \(/);
  });

  it("starts a single coordinator without any of them, peers off", () => {
    const config = loadConfig({});
    expect(config.peers.enabled).to.equal(false);
    expect(config.peers.secret).to.equal("");
    expect(config.peers.replicaId).to.match(/-[0-9a-f]{8}$/);
  });

  it("advertises DARKBLOOM_ADVERTISE_URL, else the host and listening port", () => {
    const peers = {
      DARKBLOOM_PEERS: "true",
      DATABASE_URL: "postgres://db.test/darkbloom",
      DARKBLOOM_PREFIX_HASH_SECRET: B64_32,
      DARKBLOOM_KEY_ENCRYPTION_KEY: B64_32,
      DARKBLOOM_PEER_SECRET: "a-long-enough-peer-secret",
      DARKBLOOM_HOST: "10.0.0.5",
    };
    expect(advertiseUrlOf(loadConfig(peers), 8080)).to.equal("http://10.0.0.5:8080");
    expect(
      advertiseUrlOf(
        loadConfig({ ...peers, DARKBLOOM_ADVERTISE_URL: "http://pod-1.coordinators:8080" }),
        8080,
      ),
    ).to.equal("http://pod-1.coordinators:8080");
  });

  it("matches only the exact secret, and never an empty one", () => {
    const check = peerSecretCheck("s3cret-s3cret-s3cret");
    expect(check.matches("s3cret-s3cret-s3cret")).to.equal(true);
    expect(check.matches("s3cret-s3cret-s3creT")).to.equal(false);
    expect(check.matches("s3cret-s3cret-s3cret-")).to.equal(false);
    expect(check.matches("")).to.equal(false);
    // checked twice: the precomputed digest is not consumed by the first call
    expect(check.matches("s3cret-s3cret-s3cret")).to.equal(true);
    expect(peerSecretCheck("").matches("")).to.equal(false);
    expect(peerSecretCheck("").enabled).to.equal(false);
  });
});
