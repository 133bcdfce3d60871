import { expect } from "chai";
import { generationId } from "./request-id.js";

describe("generation ids", () => {
  it("are the API's prefix, its separator and 24 alphanumerics, all distinct", () => {
    expect(generationId("chatcmpl")).to.match(/^chatcmpl-[A-Za-z0-9]{24}$/);
    expect(generationId("resp")).to.match(/^resp_[A-Za-z0-9]{24}$/);
    expect(generationId("msg")).to.match(/^msg_[A-Za-z0-9]{24}$/);
    // more ids than one draw of random bytes serves
    const ids = new Set(Array.from({ length: 1000 }, () => generationId("cmpl")));
    expect(ids.size).to.equal(1000);
    for (const id of ids) expect(id).to.match(/^cmpl-[A-Za-z0-9]{24}$/);
  });
});
