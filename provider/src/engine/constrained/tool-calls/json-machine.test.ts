import { expect } from "chai";
import { SplitMix64 } from "../../sampling/sampler.js";
import { JsonMachine } from "./json-machine.js";

const feed = (text: string): JsonMachine | undefined => {
  const m = new JsonMachine();
  return m.pushAll(Buffer.from(text)) ? m : undefined;
};

describe("JsonMachine", () => {
  it("accepts compact JSON objects and reports when the root closes", () => {
    for (const ok of ["{}", '{"a":1}', '{"a":[1,-2.5e+3,true,null,{"b":"x y"}],"c":false}']) {
      expect(feed(ok)?.done, ok).to.equal(true);
    }
  });

  it("refuses what is not compact JSON with an object root", () => {
    for (const bad of [
      "[]",
      '"x"',
      '{"a" :1}',
      '{"a":01}',
      '{"a":1,}',
      "{a:1}",
      '{"a":tru1}',
      '{"a\\n":1}',
      "{}}",
    ]) {
      expect(feed(bad), bad).to.equal(undefined);
    }
  });

  it("closes any valid prefix into parseable JSON", () => {
    const rng = new SplitMix64(11n);
    const alphabet = '{}[]",:-0123456789.eEtrufalsn xy';
    let checked = 0;
    for (let round = 0; round < 2000; round++) {
      const m = new JsonMachine();
      let text = "";
      for (let i = 0; i < 40; i++) {
        const c = alphabet[Math.floor(rng.next() * alphabet.length)] ?? "x";
        const trial = m.clone();
        if (!trial.push(c.charCodeAt(0))) continue;
        m.push(c.charCodeAt(0));
        text += c;
        if (m.done) break;
      }
      const closed = text + m.closingSuffix();
      expect(() => JSON.parse(closed) as unknown, closed).not.to.throw();
      expect(feed(closed)?.done, closed).to.equal(true);
      checked++;
    }
    expect(checked).to.equal(2000);
  });

  it("limits nesting depth", () => {
    expect(feed("{" + '"a":['.repeat(40))).to.equal(undefined);
  });
});
