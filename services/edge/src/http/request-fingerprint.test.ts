import { expect } from "chai";
import { canonicalJson, requestFingerprinter } from "./request-fingerprint.js";

describe("request fingerprints (what tells a retry from another request under one id)", () => {
  const secret = new Uint8Array(32).fill(7);
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

  it("hashes equal bodies equally whatever their key order, and any other body or route differently", () => {
    const f = requestFingerprinter(secret);
    const body = { model: "m", max_tokens: 1, messages: [{ role: "user", content: "hi" }] };
    const reordered = { messages: [{ content: "hi", role: "user" }], max_tokens: 1, model: "m" };
    expect(hex(f("/v1/chat/completions", reordered))).to.equal(
      hex(f("/v1/chat/completions", body)),
    );
    expect(hex(f("/v1/chat/completions", { ...body, max_tokens: 3000 }))).to.not.equal(
      hex(f("/v1/chat/completions", body)),
    );
    expect(hex(f("/v1/completions", body))).to.not.equal(hex(f("/v1/chat/completions", body)));
  });

  it("is keyed: replicas sharing the secret agree, another secret gives another hash", () => {
    const body = { model: "m", prompt: "hi" };
    const one = requestFingerprinter(secret)("/v1/completions", body);
    expect(hex(requestFingerprinter(new Uint8Array(secret))("/v1/completions", body))).to.equal(
      hex(one),
    );
    const other = requestFingerprinter(new Uint8Array(32).fill(8))("/v1/completions", body);
    expect(hex(other)).to.not.equal(hex(one));
    expect(one).to.have.length(32);
  });

  it("writes canonical JSON with sorted keys at every depth and no undefined members", () => {
    expect(canonicalJson({ b: [{ d: 1, c: null }], a: "x", u: undefined })).to.equal(
      '{"a":"x","b":[{"c":null,"d":1}]}',
    );
  });

  it("fingerprints a body nested 50,000 deep or 200,000 wide without overflowing the stack", () => {
    const deep = JSON.parse(`${"[".repeat(50_000)}1${"]".repeat(50_000)}`) as unknown;
    expect(canonicalJson(deep)).to.equal(`${"[".repeat(50_000)}1${"]".repeat(50_000)}`);
    let nested: unknown = 1;
    for (let i = 0; i < 50_000; i++) nested = { b: nested, a: i };
    expect(canonicalJson(nested).startsWith('{"a":49999,"b":{"a":49998,')).to.equal(true);
    const wide = Array.from({ length: 200_000 }, (_, i) => i);
    expect(canonicalJson(wide)).to.equal(JSON.stringify(wide));
  });

  it("writes the same text on either side of the depth where it stops recursing", () => {
    for (const depth of [1, 199, 200, 201, 400]) {
      const text = `${'[{"a":'.repeat(depth)}1${"}]".repeat(depth)}`;
      const reordered = `${'[{"b":null,"a":'.repeat(depth)}1${"}]".repeat(depth)}`;
      expect(canonicalJson(JSON.parse(text))).to.equal(text);
      expect(canonicalJson(JSON.parse(reordered))).to.equal(
        `${'[{"a":'.repeat(depth)}1${',"b":null}]'.repeat(depth)}`,
      );
    }
  });
});
