import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { expect } from "chai";
import { readAscii, readVarint, varintSize } from "./protobuf-wire.js";

describe("readVarint", () => {
  it("reads every size of 32-bit varint as protobuf-es writes and reads it", () => {
    for (const n of [
      0,
      1,
      127,
      128,
      300,
      16_383,
      16_384,
      2 ** 21,
      2 ** 28 - 1,
      2 ** 28,
      2 ** 32 - 1,
    ]) {
      const bytes = new BinaryWriter().uint32(n).finish();
      expect(readVarint(bytes, 0), String(n)).to.equal(new BinaryReader(bytes).uint32());
      expect(varintSize(n), String(n)).to.equal(bytes.length);
    }
  });

  it("refuses what it leaves to the full decoder: truncated, padded, beyond 32 bits", () => {
    expect(readVarint(Uint8Array.from([]), 0)).to.equal(-1);
    expect(readVarint(Uint8Array.from([0x80, 0x80]), 0)).to.equal(-1);
    expect(readVarint(Uint8Array.from([0x81, 0x00]), 0)).to.equal(-1);
    expect(readVarint(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x1f]), 0)).to.equal(-1);
    expect(readVarint(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 0)).to.equal(-1);
  });
});

describe("readAscii", () => {
  it("reads ASCII and refuses any other byte", () => {
    const bytes = Uint8Array.from(Buffer.from("ab-é", "utf8"));
    expect(readAscii(bytes, 0, 3)).to.equal("ab-");
    expect(readAscii(bytes, 0, bytes.length)).to.equal(undefined);
  });
});
