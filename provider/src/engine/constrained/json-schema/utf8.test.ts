import { expect } from "chai";
import { UTF8_START, utf8Next, type Utf8State } from "./bytes.js";
import { compileSchema } from "@darkbloom/model-contract";
import { JsonSchemaMachine } from "./machine.js";
import { JsonMachine } from "../tool-calls/json-machine.js";

/** Whether the UTF-8 rule accepts the whole byte sequence and ends between characters. */
function wellFormed(bytes: readonly number[]): boolean {
  let s: Utf8State | undefined = UTF8_START;
  for (const b of bytes) if (!(s = s && utf8Next(s, b))) return false;
  return s.pending === 0;
}

// Sequences a WHATWG decoder (what the stream decoder uses) turns into U+FFFD.
const ILL_FORMED: readonly (readonly number[])[] = [
  [0xc0, 0xaf], // overlong "/"
  [0xe0, 0x80, 0xaf], // overlong
  [0xed, 0xa0, 0x80], // surrogate D800
  [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
  [0xf5, 0x80, 0x80, 0x80],
  [0xe2, 0x41], // lead byte, then ASCII
  [0x80], // lone continuation
];

describe("well-formed UTF-8 in constrained JSON strings", () => {
  it("agrees with TextDecoder: what the rule accepts decodes without U+FFFD, what it refuses does not", () => {
    const fatal = new TextDecoder("utf-8", { fatal: true });
    const decodes = (b: readonly number[]): boolean => {
      try {
        fatal.decode(Uint8Array.from(b));
        return true;
      } catch {
        return false;
      }
    };
    const good = ["é", "日本", "€", "😀", "\u{40000}", "\u{10FFFF}", "\uD7FF", "\uE000"].map(
      (t) => [...Buffer.from(t)],
    );
    for (const b of good) expect(wellFormed(b), String(b)).to.equal(true);
    for (const b of ILL_FORMED) {
      expect(wellFormed(b), String(b)).to.equal(false);
      expect(decodes(b), String(b)).to.equal(false);
    }
  });

  it("the any-object machine refuses an ill-formed byte inside a string, at that byte", () => {
    for (const bad of ILL_FORMED) {
      const m = new JsonMachine();
      expect(m.pushAll(Buffer.from('{"a":"x'))).to.equal(true);
      expect(m.pushAll(Uint8Array.from(bad)), String(bad)).to.equal(false);
    }
    const ok = new JsonMachine();
    expect(ok.pushAll(Buffer.from('{"日本":"😀é"}'))).to.equal(true);
    expect(ok.done).to.equal(true);
  });

  it("the schema machine refuses them too and counts maxLength in decoded characters", () => {
    const schema = compileSchema({
      type: "object",
      properties: { city: { type: "string", maxLength: 3 } },
      required: ["city"],
    });
    for (const bad of ILL_FORMED) {
      const m = new JsonSchemaMachine(schema);
      expect(m.pushAll(Buffer.from('{"city":"'))).to.equal(true);
      expect(m.pushAll(Uint8Array.from(bad)), String(bad)).to.equal(false);
    }
    const three = new JsonSchemaMachine(schema);
    expect(three.pushAll(Buffer.from('{"city":"日😀é"}'))).to.equal(true);
    expect(three.done).to.equal(true);
    const four = new JsonSchemaMachine(schema);
    expect(four.pushAll(Buffer.from('{"city":"日😀éa'))).to.equal(false);
  });
});
