import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { CHART, REPO, helm, valuesArgs } from "../../testing/helm.js";

interface ValuesSchema {
  properties: { coordinator: { properties: { config: { propertyNames: { enum: string[] } } } } };
}

const schemaText = readFileSync(path.join(CHART, "values.schema.json"), "utf8");

describe("charts/darkbloom: values.schema.json", function () {
  this.timeout(30_000);

  it("refuses the invalid values file in lint and template, naming every bad value", async () => {
    for (const command of [
      ["lint", "--strict"],
      ["template", "test"],
    ]) {
      const result = await helm([
        ...command,
        CHART,
        ...valuesArgs(["tests/fixtures/invalid-values.yaml"]),
      ]);
      const output = result.stdout + result.stderr;
      expect(result.code, output).to.not.equal(0);
      for (const message of [
        "Additional property replicaCount is not allowed",
        "coordinator.replicas: Must be greater than or equal to 0",
        'coordinator.service.type must be one of the following: "ClusterIP", "NodePort", "LoadBalancer"',
        'coordinator.config: Property name of "DATABASE_URL" does not match',
        "warmPools.0.name: Does not match pattern",
        "warmPools.0.targetUtilizationPercent: Must be less than or equal to 100",
        'warmPools.0.schedule.0.days.0 must be one of the following: "Mon"',
        "warmPools.0.schedule.0.start: Does not match pattern",
        // postgresql.enabled=false without an external database secret
        "database.external.secretName: String length must be greater than or equal to 1",
      ])
        expect(output, `${command[0]}: ${message}`).to.include(message);
    }
  });

  it("requires an external database secret only when the bundled Postgres is off", async () => {
    const off = await helm(["template", "test", CHART, "--set", "postgresql.enabled=false"]);
    expect(off.code).to.not.equal(0);
    expect(off.stderr).to.include("database.external.secretName");
    const external = await helm([
      "template",
      "test",
      CHART,
      "--set",
      "postgresql.enabled=false",
      "--set",
      "database.external.secretName=pg",
    ]);
    expect(external.code, external.stderr).to.equal(0);
  });

  it("requires a TLS secret name when Ingress TLS is on", async () => {
    const result = await helm([
      "template",
      "test",
      CHART,
      "--set",
      "ingress.enabled=true",
      "--set",
      "ingress.tls.enabled=true",
    ]);
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.include("ingress.tls.secretName");
  });

  it("has no remote $ref (Helm would try to download it offline)", () => {
    const refs = [...schemaText.matchAll(/"\$ref"\s*:\s*"([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !r.startsWith("#"))).to.deep.equal([]);
  });

  it("accepts as coordinator.config only real, documented coordinator settings that are not secrets, ports or the database", () => {
    const schema = JSON.parse(schemaText) as ValuesSchema;
    const names = schema.properties.coordinator.properties.config.propertyNames.enum;
    const configTs = readFileSync(path.join(REPO, "services/coordinator/src/config.ts"), "utf8");
    const docs = readFileSync(path.join(REPO, "docs/configuration.md"), "utf8");
    expect(names.length).to.be.greaterThan(30);
    for (const name of names) {
      expect(configTs, `${name} is read by services/coordinator/src/config.ts`).to.match(
        new RegExp(`\\b${name}:`),
      );
      expect(docs, `${name} is documented in docs/configuration.md`).to.include(`\`${name}\``);
    }
    const setByTheChart = [
      "DARKBLOOM_HOST",
      "DARKBLOOM_PORT",
      "DARKBLOOM_METRICS_HOST",
      "DARKBLOOM_METRICS_PORT",
      "DATABASE_URL",
      "DARKBLOOM_DATA_DIR",
      "DARKBLOOM_SECURITY_MODE",
    ];
    const secrets = [
      "DARKBLOOM_KEY_ENCRYPTION_KEY",
      "DARKBLOOM_PREFIX_HASH_SECRET",
      "DARKBLOOM_RELEASE_TOKEN",
      "STRIPE_SECRET_KEY",
      "STRIPE_WEBHOOK_SECRET",
      "DARKBLOOM_JWT_HS256_SECRET",
    ];
    for (const name of [...setByTheChart, ...secrets]) expect(names, name).to.not.include(name);
  });
});
