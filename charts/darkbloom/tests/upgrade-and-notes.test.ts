import { expect } from "chai";
import { CHART, helm, one, parseManifests, valuesArgs } from "../../testing/helm.js";
import { startFakeKubeApi, type FakeKubeApi } from "../../testing/fake-kube-api.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString();
/** Metadata of an object an earlier `helm install test -n darkbloom` created (Helm adopts it). */
const ownedBy = (name: string) => ({
  name,
  namespace: "darkbloom",
  labels: { "app.kubernetes.io/managed-by": "Helm" },
  annotations: {
    "meta.helm.sh/release-name": "test",
    "meta.helm.sh/release-namespace": "darkbloom",
  },
});

/** `helm install --dry-run=server` against the fake API: templates see `lookup`, NOTES render. */
async function dryRunInstall(
  api: FakeKubeApi,
  args: string[] = [],
): Promise<{ manifest: string; notes: string }> {
  const result = await helm([
    "install",
    "test",
    CHART,
    "--namespace",
    "darkbloom",
    "--kube-apiserver",
    api.url,
    "--dry-run=server",
    "--disable-openapi-validation",
    ...args,
  ]);
  expect(result.code, result.stderr).to.equal(0);
  const [head, notes = ""] = result.stdout.split(/^NOTES:$/m);
  const manifest = head!.slice(head!.indexOf("MANIFEST:") + "MANIFEST:".length);
  return { manifest, notes };
}

describe("charts/darkbloom: secrets kept across upgrades, NOTES", function () {
  this.timeout(30_000);
  let api: FakeKubeApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it("reuses the secrets an earlier install generated (lookup) and generates only the missing ones", async () => {
    const kek = Buffer.alloc(32, 7).toString("base64");
    api = await startFakeKubeApi([
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: ownedBy("test-darkbloom-secrets"),
        data: { "key-encryption-key": b64(kek), "admin-key": b64("db-" + "A".repeat(32)) },
      } as never,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: ownedBy("test-darkbloom-postgresql"),
        data: { password: b64("kept-password") },
      } as never,
    ]);
    const { manifest } = await dryRunInstall(api);
    const objects = parseManifests(manifest);
    const secrets = one(objects, "Secret", "test-darkbloom-secrets").data as Record<string, string>;
    expect(unb64(secrets["key-encryption-key"]!)).to.equal(kek);
    expect(unb64(secrets["admin-key"]!)).to.equal("db-" + "A".repeat(32));
    expect(Buffer.from(unb64(secrets["prefix-hash-secret"]!), "base64")).to.have.length(32);
    expect(unb64(secrets["peer-secret"]!)).to.match(/^[0-9A-Za-z]{48}$/);
    const postgres = one(objects, "Secret", "test-darkbloom-postgresql").data as Record<
      string,
      string
    >;
    expect(unb64(postgres.password!)).to.equal("kept-password");
    expect(unb64(postgres.url!)).to.include(
      "darkbloom:kept-password@test-darkbloom-postgresql.darkbloom.svc:5432/",
    );
    expect(api.requests).to.include(
      "GET /api/v1/namespaces/darkbloom/secrets/test-darkbloom-secrets",
    );
  });

  it("NOTES tell how to reach the API and read the admin key", async () => {
    api = await startFakeKubeApi([]);
    const { notes } = await dryRunInstall(api);
    expect(notes).to.include("kubectl -n darkbloom port-forward service/test-darkbloom 8080:8080");
    expect(notes).to.include(
      "kubectl -n darkbloom get secret test-darkbloom-secrets -o jsonpath='{.data.admin-key}' | base64 -d",
    );
    expect(notes).to.include("bundled Postgres");
  });

  it("NOTES follow the values: Ingress URL, console, an admin key kept in your own Secret", async () => {
    api = await startFakeKubeApi([]);
    const { notes } = await dryRunInstall(api, [
      ...valuesArgs(["ci/production-values.yaml"]),
      "--set",
      "console.enabled=true",
      "--set",
      "secrets.adminKey.existingSecret=my-admin",
      "--set",
      "secrets.adminKey.key=token",
    ]);
    expect(notes).to.include("https://api.darkbloom.example.com/");
    expect(notes).to.include("https://api.darkbloom.example.com/console");
    expect(notes).to.include("get secret my-admin -o jsonpath='{.data.token}'");
    expect(notes).to.not.include("bundled Postgres");
  });
});
