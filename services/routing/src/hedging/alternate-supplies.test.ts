import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "chai";
import { AlternateSupplies, type SealedCopy } from "./alternate-supplies.js";

const copy = (bytes = 40): SealedCopy => ({
  senderPublicKey: new Uint8Array(32).fill(1),
  encryptedBody: new Uint8Array(bytes).fill(2),
});
const refusal = (f: () => void): Code | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    return ConnectError.from(err).code;
  }
};

describe("AlternateSupplies", () => {
  it("hands a supplied copy to the request that wants it", async () => {
    const supplies = new AlternateSupplies();
    const r = supplies.begin("r1", 10_000, 40);
    const wanted = r.want("p2");
    const c = copy();
    supplies.supply("r1", "p2", c);
    expect(await wanted).to.equal(c);
    r.end();
  });

  it("resolves a want nobody answers with undefined once the bound passes", async () => {
    const supplies = new AlternateSupplies();
    const r = supplies.begin("r1", 5, 40);
    expect(await r.want("p2")).to.equal(undefined);
    // given up on: a late copy is refused and changes nothing
    expect(refusal(() => supplies.supply("r1", "p2", copy()))).to.equal(Code.FailedPrecondition);
    r.end();
  });

  it("refuses a copy for an unknown or ended request (NotFound), an unasked provider, or another length", async () => {
    const supplies = new AlternateSupplies();
    expect(refusal(() => supplies.supply("nobody", "p2", copy()))).to.equal(Code.NotFound);
    const r = supplies.begin("r1", 10_000, 40);
    const wanted = r.want("p2");
    expect(refusal(() => supplies.supply("r1", "p3", copy()))).to.equal(Code.FailedPrecondition);
    expect(refusal(() => supplies.supply("r1", "p2", copy(41)))).to.equal(Code.InvalidArgument);
    r.end();
    // ending gives up on the pending want (its timer cleared: the leak check would fail) and
    // forgets the request
    expect(await wanted).to.equal(undefined);
    expect(supplies.size).to.equal(0);
    expect(refusal(() => supplies.supply("r1", "p2", copy()))).to.equal(Code.NotFound);
  });

  it("refuses a second running request of the same id (AlreadyExists)", () => {
    const supplies = new AlternateSupplies();
    const r = supplies.begin("r1", 10_000, 40);
    expect(refusal(() => supplies.begin("r1", 10_000, 40))).to.equal(Code.AlreadyExists);
    r.end();
    supplies.begin("r1", 10_000, 40).end();
  });
});
