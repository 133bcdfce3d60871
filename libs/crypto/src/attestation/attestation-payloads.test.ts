import { createHash } from "node:crypto";
import { expect } from "chai";
import {
  canonicalJson,
  challengePayload,
  fileListHash,
  identityRotationPayload,
  isTreeCodeFile,
  keyProofPayload,
  registerPayload,
  treeHashOf,
  weightHashOf,
} from "../index.js";

const sha = (b: Uint8Array | string): string => createHash("sha256").update(b).digest("hex");

// Pinned vectors: the provider signs and the coordinator verifies these exact bytes.
describe("attestation payloads", () => {
  const status = new TextEncoder().encode(canonicalJson({ z: 1, a: { y: [true, null], b: "é" } }));

  it("canonical JSON sorts keys, drops undefined members and has no whitespace", () => {
    expect(Buffer.from(status).toString()).to.equal('{"a":{"b":"é","y":[true,null]},"z":1}');
    expect(canonicalJson({ b: undefined, a: [{ d: 1, c: 2 }] })).to.equal('{"a":[{"c":2,"d":1}]}');
  });

  it("register and challenge layouts match the pinned vectors", () => {
    expect(sha(registerPayload(status))).to.equal(
      "32ba5bd390ae3a7eb010a3b8e63366459798ad557767f2eeec82d3049ea09cd7",
    );
    expect(sha(challengePayload(new Uint8Array(32).fill(7), 1700000000123n, status))).to.equal(
      "c1261277d39519eb409e59fecc7a2a2ef0f4a19fcc651d2358a8a218d15c21b9",
    );
  });

  it("key proof and identity rotation layouts: context, then the fixed-size parts in order", () => {
    const [secret, x25519, identity] = [
      new Uint8Array(32).fill(1),
      new Uint8Array(32).fill(2),
      new Uint8Array(33).fill(3),
    ];
    const context = (c: string) => Buffer.from(`darkbloom/${c}/v1\0`);
    expect(Buffer.from(keyProofPayload(secret, x25519))).to.deep.equal(
      Buffer.concat([context("key-proof"), secret, x25519]),
    );
    expect(Buffer.from(identityRotationPayload(x25519, identity))).to.deep.equal(
      Buffer.concat([context("identity-rotation"), x25519, identity]),
    );
  });
});

describe("fileListHash", () => {
  const a = { name: "model-00002-of-00002.safetensors", sha256: "22".repeat(32) };
  const b = { name: "model-00001-of-00002.safetensors", sha256: "11".repeat(32) };

  it("is SHA-256 of the sha256sum lines in code-unit name order", () => {
    const lines = `${"11".repeat(32)}  ${b.name}\n${"22".repeat(32)}  ${a.name}\n`;
    expect(fileListHash([a, b])).to.equal(sha(lines));
    expect(fileListHash([b, a])).to.equal(fileListHash([a, b]));
    expect(
      fileListHash([
        { name: "B", sha256: "0" },
        { name: "a", sha256: "1" },
      ]),
    ).to.equal(sha(`0  B\n1  a\n`));
  });

  it("weight hash covers the safetensors files only", () => {
    const tokenizer = { name: "tokenizer.json", sha256: "33".repeat(32) };
    expect(weightHashOf([a, tokenizer, b])).to.equal(fileListHash([a, b]));
    expect(weightHashOf([a, b])).to.not.equal(weightHashOf([a, { ...b, sha256: "12".repeat(32) }]));
  });

  it("tree hash covers package.json, bin/ and src/ code but not tests or testing/", () => {
    const ok = ["package.json", "bin/darkbloom.mjs", "src/cli/main.ts", "src/x/data.json"];
    const no = [
      "src/cli/main.test.ts",
      "src/models/testing/fake.ts",
      "README.md",
      "test-model/generate.ts",
      "src/notes.md",
    ];
    for (const p of ok) expect(isTreeCodeFile(p), p).to.equal(true);
    for (const p of no) expect(isTreeCodeFile(p), p).to.equal(false);
    const files = [...ok, ...no].map((name) => ({ name, sha256: sha(name) }));
    expect(treeHashOf(files)).to.equal(
      fileListHash(ok.map((name) => ({ name, sha256: sha(name) }))),
    );
  });
});
