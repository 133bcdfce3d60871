import { expect } from "chai";
import { loadConfig } from "./config.js";
import {
  describeSecurityPosture,
  embeddedPostgresRefusal,
  isLoopbackHost,
} from "./security-posture.js";

describe("security posture", () => {
  it("is production on loopback when nothing is set: it is never inferred from the address", () => {
    for (const host of ["127.0.0.1", "::1", "localhost", "0.0.0.0"]) {
      const config = loadConfig({ DARKBLOOM_HOST: host });
      expect(config.requireProviderToken, host).to.equal(true);
      expect(config.attestation.requireAttestation, host).to.equal(true);
      expect(describeSecurityPosture(config)).to.match(/^Security posture: PRODUCTION \(/);
    }
  });

  it("turns provider tokens and attestation off only when development is asked for, loudly", () => {
    const config = loadConfig({ DARKBLOOM_SECURITY_MODE: "development" });
    expect(config.requireProviderToken).to.equal(false);
    expect(config.attestation.requireAttestation).to.equal(false);
    const banner = describeSecurityPosture(config);
    expect(banner).to.include("!! Security posture: DEVELOPMENT");
    expect(banner).to.include("provider tokens OFF, attestation OFF");
    expect(banner).to.include("never expose");
  });

  it("calls production with a check turned off weakened", () => {
    const config = loadConfig({ DARKBLOOM_REQUIRE_ATTESTATION: "false" });
    expect(config.requireProviderToken).to.equal(true);
    expect(describeSecurityPosture(config)).to.include(
      "WEAKENED PRODUCTION (DARKBLOOM_SECURITY_MODE=production: provider tokens required, attestation OFF)",
    );
  });

  it("refuses an unknown mode", () => {
    expect(() => loadConfig({ DARKBLOOM_SECURITY_MODE: "auto" })).to.throw(
      /DARKBLOOM_SECURITY_MODE/,
    );
  });

  it("refuses embedded Postgres on a non-loopback address unless DARKBLOOM_ALLOW_EMBEDDED_POSTGRES=true", () => {
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"]) {
      expect(isLoopbackHost(host), host).to.equal(true);
      expect(embeddedPostgresRefusal(loadConfig({ DARKBLOOM_HOST: host })), host).to.equal(
        undefined,
      );
    }
    for (const host of ["0.0.0.0", "::", "10.0.0.5", "coordinator.internal"]) {
      expect(isLoopbackHost(host), host).to.equal(false);
      expect(embeddedPostgresRefusal(loadConfig({ DARKBLOOM_HOST: host })), host).to.match(
        /^Refusing to start: DARKBLOOM_HOST=.* is not a loopback address and DATABASE_URL is not set/,
      );
      const allowed = { DARKBLOOM_HOST: host, DARKBLOOM_ALLOW_EMBEDDED_POSTGRES: "true" };
      expect(embeddedPostgresRefusal(loadConfig(allowed)), host).to.equal(undefined);
      const external = { DARKBLOOM_HOST: host, DATABASE_URL: "postgres://db.internal/darkbloom" };
      expect(embeddedPostgresRefusal(loadConfig(external)), host).to.equal(undefined);
    }
  });
});
