import { expect } from "chai";
import { loadConfig } from "./config.js";
import { describeSecurityPosture } from "./security-posture.js";

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
});
