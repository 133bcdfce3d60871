import { expect } from "chai";
import type { IncomingMessage } from "node:http";
import { requestBaseUrl } from "./request-base-url.js";

const req = (headers: Record<string, string>, encrypted = false): IncomingMessage =>
  ({ headers, socket: { encrypted } }) as unknown as IncomingMessage;

describe("requestBaseUrl (install.sh's default coordinator)", () => {
  it("uses the Host header, https behind a proxy that says so or on a TLS socket", () => {
    expect(requestBaseUrl(req({ host: "coord.example:8080" }))).to.equal(
      "http://coord.example:8080",
    );
    expect(
      requestBaseUrl(req({ host: "coord.example", "x-forwarded-proto": "https, http" })),
    ).to.equal("https://coord.example");
    expect(requestBaseUrl(req({ host: "[::1]:9" }, true))).to.equal("https://[::1]:9");
  });

  it("refuses a Host that is not host[:port], so nothing else can reach the script", () => {
    for (const host of ["", "a.example/x", 'a"b', "a.example:80$(id)", "a b"])
      expect(() => requestBaseUrl(req({ host }))).to.throw(/not a hostname/);
  });

  it("ignores an X-Forwarded-Proto that is neither http nor https", () => {
    expect(requestBaseUrl(req({ host: "h", "x-forwarded-proto": "javascript" }))).to.equal(
      "http://h",
    );
  });
});
