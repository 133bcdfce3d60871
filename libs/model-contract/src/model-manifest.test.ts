import { expect } from "chai";
import { modelManifestSchema, type ModelManifest } from "./model-manifest.js";

const HASH = "a".repeat(64);
const manifest = (patch: Partial<ModelManifest> = {}, file: Record<string, unknown> = {}) => ({
  id: "tiny-llama",
  family: "llama",
  quantization: "q4",
  sizeBytes: 10,
  contextLength: 2048,
  weightHash: HASH,
  chatTemplateHash: "",
  files: [
    {
      path: "model.safetensors",
      url: "https://cdn.example/m",
      sizeBytes: 10,
      sha256: HASH,
      ...file,
    },
  ],
  ...patch,
});
const refused = (json: unknown): string[] => {
  const r = modelManifestSchema.safeParse(json);
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
};

describe("model manifest (the registry's and the provider's one schema)", () => {
  it("accepts a manifest and fills displayName / description", () => {
    const m = modelManifestSchema.parse(manifest());
    expect(m.displayName).to.equal("");
    expect(m.description).to.equal("");
  });

  it("refuses file URLs that are not http(s) (the provider's copy accepted file: and ftp:)", () => {
    for (const url of ["file:///etc/passwd", "ftp://x/y", "javascript:alert(1)"])
      expect(refused(manifest({}, { url })), url).to.deep.equal(["files.0.url"]);
  });

  it("refuses an http(s) prefix that is not a URL (the registry's copy accepted it)", () => {
    for (const url of ["http://", "https://exa mple/m"])
      expect(refused(manifest({}, { url })), url).to.deep.equal(["files.0.url"]);
  });

  it("refuses an empty family or quantization (the provider's copy accepted them)", () => {
    expect(refused(manifest({ family: "" }))).to.deep.equal(["family"]);
    expect(refused(manifest({ quantization: "" }))).to.deep.equal(["quantization"]);
  });

  it("refuses file paths that leave the model folder and hashes that are not SHA-256 hex", () => {
    expect(refused(manifest({}, { path: "../x" }))).to.deep.equal(["files.0.path"]);
    expect(refused(manifest({ weightHash: "A".repeat(64) }))).to.deep.equal(["weightHash"]);
    expect(refused(manifest({ files: [] }))).to.deep.equal(["files"]);
  });
});
