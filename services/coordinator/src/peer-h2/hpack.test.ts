import { expect } from "chai";
import http2 from "node:http2";
import net from "node:net";
import type { AddressInfo } from "node:net";
import {
  Flag,
  type Frame,
  FrameReader,
  FrameType,
  PREFACE,
  Setting,
  frame,
  settingsFrame,
  unpadded,
} from "./frames.js";
import { EOS_SYMBOL, HUFFMAN_CODE, STATIC_TABLE } from "./hpack-tables.js";
import { HpackDecoder, HpackError, encodeHeaders } from "./hpack.js";

type Fields = [string, string][];

const hex = (dump: string) => Buffer.from(dump.replace(/\s+/g, ""), "hex");

/** Huffman-codes `bytes` with the table under test, padded with ones (RFC 7541 §5.2). */
function huffmanEncode(bytes: Uint8Array): Buffer {
  const out: number[] = [];
  let acc = 0;
  let accBits = 0;
  for (const byte of bytes) {
    const [code, bits] = HUFFMAN_CODE[byte] as readonly [number, number];
    for (let shift = bits - 1; shift >= 0; shift--) {
      acc = (acc << 1) | ((code >>> shift) & 1);
      if (++accBits === 8) {
        out.push(acc);
        acc = 0;
        accBits = 0;
      }
    }
  }
  if (accBits > 0) out.push((acc << (8 - accBits)) | (0xff >> accBits));
  return Buffer.from(out);
}

/** A literal field without indexing, new name "x", whose value is `value` as a Huffman string. */
function huffmanValueBlock(value: Uint8Array): Buffer {
  expect(value.length).to.be.below(127);
  return Buffer.concat([Buffer.from([0x00, 0x01, 0x78, 0x80 | value.length]), value]);
}

/** Deterministic pseudo-random numbers (xorshift32), so failures reproduce. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

function randomText(random: () => number, length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let s = "";
  for (let i = 0; i < length; i++) s += alphabet[random() % alphabet.length];
  return s;
}

describe("HPACK", () => {
  describe("tables", () => {
    it("has the 61 static entries, 1-based in the protocol", () => {
      expect(STATIC_TABLE).to.have.length(61);
      expect(STATIC_TABLE[0]).to.deep.equal([":authority", ""]);
      expect(STATIC_TABLE[1]).to.deep.equal([":method", "GET"]);
      expect(STATIC_TABLE[15]).to.deep.equal(["accept-encoding", "gzip, deflate"]);
      expect(STATIC_TABLE[23]).to.deep.equal(["cache-control", ""]);
      expect(STATIC_TABLE[54]).to.deep.equal(["set-cookie", ""]);
      expect(STATIC_TABLE[60]).to.deep.equal(["www-authenticate", ""]);
    });

    it("has a complete canonical Huffman code of 257 symbols, EOS being 30 ones", () => {
      expect(HUFFMAN_CODE).to.have.length(257);
      expect(HUFFMAN_CODE[EOS_SYMBOL]).to.deep.equal([0x3fffffff, 30]);
      // Canonical: sorted by (length, symbol), each code is the previous one plus one, shifted
      // to the new length. Complete: the Kraft sum is exactly 1.
      const order = HUFFMAN_CODE.map((_, symbol) => symbol).sort(
        (a, b) => (HUFFMAN_CODE[a]?.[1] ?? 0) - (HUFFMAN_CODE[b]?.[1] ?? 0) || a - b,
      );
      let expected = 0;
      let previousBits = HUFFMAN_CODE[order[0] ?? 0]?.[1] ?? 0;
      let kraft = 0n;
      for (const symbol of order) {
        const [code, bits] = HUFFMAN_CODE[symbol] as readonly [number, number];
        expect(bits, `length of ${symbol}`).to.be.within(5, 30);
        expected *= 2 ** (bits - previousBits);
        previousBits = bits;
        expect(code, `code of ${symbol}`).to.equal(expected);
        expected++;
        kraft += 1n << BigInt(30 - bits);
      }
      expect(kraft).to.equal(1n << 30n);
      // Spot checks against the RFC's own examples: '/' (§B) and 'a', '0'.
      expect(HUFFMAN_CODE[0x2f]).to.deep.equal([0x18, 6]);
      expect(HUFFMAN_CODE[0x61]).to.deep.equal([0x3, 5]);
      expect(HUFFMAN_CODE[0x30]).to.deep.equal([0x0, 5]);
    });

    it("decodes the Huffman code of every octet", () => {
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      for (let start = 0; start < 256; start += 32) {
        const bytes = all.subarray(start, start + 32);
        const [[, value] = ["", ""]] = new HpackDecoder().decode(
          huffmanValueBlock(huffmanEncode(bytes)),
        );
        expect(Buffer.from(value, "latin1").equals(bytes), `octets from ${start}`).to.be.true;
      }
    });
  });

  describe("RFC 7541 Appendix C examples", () => {
    it("C.2.1: a literal field with indexing enters the dynamic table", () => {
      const decoder = new HpackDecoder();
      const block = hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
      expect(decoder.decode(block)).to.deep.equal([["custom-key", "custom-header"]]);
      expect(decoder.decode(hex("be"))).to.deep.equal([["custom-key", "custom-header"]]);
    });

    it("C.2.2: a literal field without indexing, indexed name, leaves the table empty", () => {
      const decoder = new HpackDecoder();
      const block = hex("040c 2f73 616d 706c 652f 7061 7468");
      expect(decoder.decode(block)).to.deep.equal([[":path", "/sample/path"]]);
      expect(() => decoder.decode(hex("be"))).to.throw(HpackError);
    });

    it("C.2.3: a never-indexed literal field leaves the table empty", () => {
      const decoder = new HpackDecoder();
      const block = hex("1008 7061 7373 776f 7264 0673 6563 7265 74");
      expect(decoder.decode(block)).to.deep.equal([["password", "secret"]]);
      expect(() => decoder.decode(hex("be"))).to.throw(HpackError);
    });

    it("C.2.4: an indexed field from the static table", () => {
      expect(new HpackDecoder().decode(hex("82"))).to.deep.equal([[":method", "GET"]]);
    });

    const requests: Fields[] = [
      [
        [":method", "GET"],
        [":scheme", "http"],
        [":path", "/"],
        [":authority", "www.example.com"],
      ],
      [
        [":method", "GET"],
        [":scheme", "http"],
        [":path", "/"],
        [":authority", "www.example.com"],
        ["cache-control", "no-cache"],
      ],
      [
        [":method", "GET"],
        [":scheme", "https"],
        [":path", "/index.html"],
        [":authority", "www.example.com"],
        ["custom-key", "custom-value"],
      ],
    ];
    const requestTable: Fields = [
      ["custom-key", "custom-value"],
      ["cache-control", "no-cache"],
      [":authority", "www.example.com"],
    ];

    it("C.3: three requests without Huffman on one decoder", () => {
      const decoder = new HpackDecoder();
      const blocks = [
        hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"),
        hex("8286 84be 5808 6e6f 2d63 6163 6865"),
        hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"),
      ];
      blocks.forEach((block, i) =>
        expect(decoder.decode(block), `C.3.${i + 1}`).to.deep.equal(requests[i]),
      );
      expect(decoder.decode(hex("bebf c0"))).to.deep.equal(requestTable);
      expect(() => decoder.decode(hex("c1"))).to.throw(HpackError);
    });

    it("C.4: the same requests with Huffman", () => {
      const decoder = new HpackDecoder();
      const blocks = [
        hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"),
        hex("8286 84be 5886 a8eb 1064 9cbf"),
        hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"),
      ];
      blocks.forEach((block, i) =>
        expect(decoder.decode(block), `C.4.${i + 1}`).to.deep.equal(requests[i]),
      );
      expect(decoder.decode(hex("bebf c0"))).to.deep.equal(requestTable);
      expect(() => decoder.decode(hex("c1"))).to.throw(HpackError);
    });

    const cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
    const responses: Fields[] = [
      [
        [":status", "302"],
        ["cache-control", "private"],
        ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
        ["location", "https://www.example.com"],
      ],
      [
        [":status", "307"],
        ["cache-control", "private"],
        ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
        ["location", "https://www.example.com"],
      ],
      [
        [":status", "200"],
        ["cache-control", "private"],
        ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
        ["location", "https://www.example.com"],
        ["content-encoding", "gzip"],
        ["set-cookie", cookie],
      ],
    ];
    /** The table after the third response: evictions left three entries (215 bytes). */
    const responseTable: Fields = [
      ["set-cookie", cookie],
      ["content-encoding", "gzip"],
      ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
    ];

    it("C.5: three responses without Huffman, 256-byte table, with evictions", () => {
      const decoder = new HpackDecoder({ maxTableSize: 256 });
      const blocks = [
        hex(`4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
             2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
             6c65 2e63 6f6d`),
        hex("4803 3330 37c1 c0bf"),
        hex(`88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
             54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
             5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
             3d31`),
      ];
      blocks.forEach((block, i) =>
        expect(decoder.decode(block), `C.5.${i + 1}`).to.deep.equal(responses[i]),
      );
      expect(decoder.decode(hex("bebf c0"))).to.deep.equal(responseTable);
      expect(() => decoder.decode(hex("c1"))).to.throw(HpackError);
    });

    it("C.6: the same responses with Huffman", () => {
      const decoder = new HpackDecoder({ maxTableSize: 256 });
      const blocks = [
        hex(`4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
             2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`),
        hex("4883 640e ffc1 c0bf"),
        hex(`88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
             77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
             9587 3160 65c0 03ed 4ee5 b106 3d50 07`),
      ];
      blocks.forEach((block, i) =>
        expect(decoder.decode(block), `C.6.${i + 1}`).to.deep.equal(responses[i]),
      );
      expect(decoder.decode(hex("bebf c0"))).to.deep.equal(responseTable);
      expect(() => decoder.decode(hex("c1"))).to.throw(HpackError);

      // Every truncation of the last block either decodes (cut between fields) or is refused.
      const last = blocks[2] ?? Buffer.alloc(0);
      for (let cut = 0; cut < last.length; cut++) {
        const fresh = new HpackDecoder({ maxTableSize: 256 });
        fresh.decode(blocks[0] ?? Buffer.alloc(0));
        fresh.decode(blocks[1] ?? Buffer.alloc(0));
        try {
          fresh.decode(last.subarray(0, cut));
        } catch (err) {
          expect(err, `cut at ${cut}`).to.be.instanceOf(HpackError);
        }
      }
    });
  });

  describe("malformed header blocks", () => {
    const refuses = (name: string, block: Buffer, reason: RegExp, decoder = new HpackDecoder()) =>
      it(`refuses ${name}`, () => {
        expect(() => decoder.decode(block)).to.throw(HpackError, reason);
      });

    refuses("index 0", hex("80"), /index 0/);
    refuses("an index beyond the static table, dynamic table empty", hex("be"), /index 62 beyond/);
    refuses("a name index beyond the tables", hex("7f 00 01 61"), /index 63 beyond/);
    refuses("an integer cut short (prefix full, nothing after)", hex("ff"), /truncated/);
    refuses("an integer cut short (continuation bit on the last byte)", hex("ff 80"), /truncated/);
    refuses("an integer too large", hex("ff ff ff ff ff 0f"), /integer too large/);
    refuses("an integer encoding too long, small value", hex("ff 80 80 80 80 80 00"), /too long/);
    refuses("a string longer than the block", hex("40 0a 61 62 63"), /string runs past/);
    refuses("a block that ends before the value", hex("40 01 61"), /truncated/);
    refuses("a Huffman string holding EOS", hex("00 01 78 84 ff ff ff ff"), /EOS/);
    refuses("Huffman padding of 8 bits", hex("00 01 78 81 ff"), /padding of 8 bits/);
    // 'a' (00011), then 11 one-bits
    refuses("Huffman padding of 11 bits after a symbol", hex("00 01 78 82 1f ff"), /of 11 bits/);
    // 'a' (00011), then 110
    refuses("Huffman padding with a zero bit", hex("00 01 78 81 1e"), /not all ones/);
    // 31 + 0x62 + 0x1f << 7 = 4097
    refuses("a table size update above the advertised size", hex("3f e2 1f"), /4097 above/);
    refuses(
      "a table size update above a smaller advertised size",
      hex("3f e2 01"), // 257
      /257 above the advertised 255/,
      new HpackDecoder({ maxTableSize: 255 }),
    );
    refuses("a table size update after a field", hex("82 20"), /after a header field/);
    refuses(
      "a header list larger than maxListBytes",
      encodeHeaders([["x-a", "a".repeat(70)]]), // 3 + 70 + 32 = 105 bytes
      /larger than 100/,
      new HpackDecoder({ maxListBytes: 100 }),
    );

    it("accepts table size updates at the start, up to the advertised size", () => {
      const decoder = new HpackDecoder();
      expect(decoder.decode(hex("20 3f e1 1f 82"))).to.deep.equal([[":method", "GET"]]); // 0, 4096
      expect(
        new HpackDecoder({ maxListBytes: 105 }).decode(encodeHeaders([["x-a", "a".repeat(70)]])),
      ).to.have.length(1);
    });

    it("a size update evicts, and an entry larger than the table empties it", () => {
      // custom-key: custom-header (55 bytes), literal with indexing
      const customHeader = hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
      const decoder = new HpackDecoder();
      decoder.decode(customHeader);
      expect(decoder.decode(hex("3f 18 be"))).to.have.length(1); // resized to 55: still there
      expect(() => decoder.decode(hex("3f 17 be"))).to.throw(HpackError, /index 62/); // 54: evicted

      const small = new HpackDecoder({ maxTableSize: 50 });
      expect(small.decode(hex("4001 7801 79 be"))).to.deep.equal([
        ["x", "y"],
        ["x", "y"],
      ]); // x: y, 34 bytes, added
      expect(small.decode(customHeader)).to.have.length(1); // not an error...
      expect(() => small.decode(hex("be"))).to.throw(HpackError, /index 62/); // ...and none left
    });

    it("throws nothing but HpackError on random input", () => {
      const random = randomSource(7541);
      let refused = 0;
      for (let round = 0; round < 5_000; round++) {
        const block = Buffer.from(Array.from({ length: random() % 40 }, () => random() & 0xff));
        try {
          new HpackDecoder().decode(block);
        } catch (err) {
          expect(err, block.toString("hex")).to.be.instanceOf(HpackError);
          refused++;
        }
      }
      expect(refused).to.be.above(0);
    });
  });

  describe("encodeHeaders", () => {
    it("names a static-table name by its index, literal values without Huffman", () => {
      expect(encodeHeaders([[":path", "/x"]]).toString("hex")).to.equal("04022f78");
      // content-type is index 31: the 4-bit prefix is full (15), then 16
      expect(encodeHeaders([["content-type", "a"]]).toString("hex")).to.equal("0f100161");
      // a new name: index 0, then the name as a literal
      expect(encodeHeaders([["x-k", "v"]]).toString("hex")).to.equal("0003782d6b0176");
    });

    it("encodes a sensitive field as never indexed (0x10)", () => {
      expect(encodeHeaders([["authorization", "t", true]]).toString("hex")).to.equal("1f080174");
      expect(encodeHeaders([["x-secret", "t", true]]).toString("hex")).to.equal(
        "1008782d7365637265740174",
      );
    });

    it("writes multi-byte string lengths, and decodes back to what it encoded", () => {
      const fields: [string, string, boolean?][] = [
        [":method", "POST"],
        [":path", "/darkbloom.v1.Peer/Forward"],
        ["te", "trailers"],
        ["x-long", "v".repeat(300)],
        ["x-empty", ""],
        ["x-latin1", "caf\u00e9 \u00ff"],
        ["cookie", "a=b", true],
        ["www-authenticate", "x".repeat(127)],
      ];
      const block = encodeHeaders(fields);
      expect(block.includes(hex("06 782d 6c6f 6e67 7f ad 01"))).to.be.true; // "x-long", 300
      const decoder = new HpackDecoder();
      expect(decoder.decode(block)).to.deep.equal(fields.map(([name, value]) => [name, value]));
      // nothing entered the dynamic table
      expect(() => decoder.decode(hex("be"))).to.throw(HpackError);
      expect(encodeHeaders([])).to.have.length(0);
    });

    it("refuses an uppercase name or a character beyond U+00FF", () => {
      expect(() => encodeHeaders([["X-Upper", "v"]])).to.throw(TypeError);
      expect(() => encodeHeaders([["x-emoji", "\u{1f600}"]])).to.throw(TypeError);
    });
  });

  describe("against node:http2 (nghttp2) over h2c", () => {
    it("decodes a server's responses and trailers in order on one decoder", async () => {
      await withServer(async (port) => expectExchange(await runExchange(port)));
    });

    it("follows the server's table size update when we advertise a small table", async () => {
      await withServer(async (port) => expectExchange(await runExchange(port, 256)));
    });
  });
});

function expectExchange(exchange: Exchange): void {
  for (let i = 0; i < REQUESTS; i++) {
    const { response, trailers } = exchange.streams.get(2 * i + 1) ?? {};
    const dates = (response ?? []).filter(([name]) => name === "date");
    expect(dates, `date of ${i}`).to.have.length(1);
    const withoutDate = (response ?? []).filter(([name]) => name !== "date");
    expect(withoutDate, `response ${i}`).to.deep.equal([[":status", "200"], ...responseFields(i)]);
    expect(trailers, `trailers ${i}`).to.deep.equal(trailerFields(i));
  }
  // The big response needed CONTINUATION frames, and the server pads its frames.
  expect(exchange.continuations).to.be.above(0);
  expect(exchange.paddedHeaders).to.be.above(0);
}

// ---------------------------------------------------------------------------------------------
// The h2c exchange: a node:http2 server, and a raw socket speaking just enough HTTP/2.

const REQUESTS = 8;
/** The request whose response headers are larger than one frame. */
const BIG = 5;

/** Response headers for request `i` (after :status): repeated, new, long, Huffman-friendly. */
function responseFields(i: number): Fields {
  const random = randomSource(1000 + i);
  // 16 latin1 octets per request, each inside a run of 'a' so Huffman still pays off
  const latin1 = Array.from(
    { length: 16 },
    (_, k) => "a".repeat(20) + String.fromCharCode(0x80 + ((16 * i + k) % 128)),
  ).join("");
  let printable = "";
  for (let c = 0x21; c <= 0x7e; c++) printable += String.fromCharCode(0x21 + ((c - 0x21 + i) % 94));
  const fields: Fields = [
    ["content-type", "application/grpc+proto"],
    ["x-same-every-time", "the-same-value"],
    ["x-request-index", String(i)],
    ["x-echo-path", `/r/${i}`],
    ["x-printable", `${printable} with\tspaces and a tab`],
    [`x-latin1-${i}`, latin1],
    ["set-cookie", `session=${randomText(random, 24)}`],
    ["set-cookie", "theme=dark"],
    ["x-multi", "one"],
    ["x-multi", "two"],
    ["x-multi", `three-${i}`],
    [`x-long-${i % 3}`, randomText(random, 1_500)],
    ["cache-control", i % 2 ? "no-cache" : "private, max-age=60"],
  ];
  if (i === BIG)
    for (let k = 0; k < 12; k++) fields.push([`x-huge-${k}`, randomText(random, 2_000)]);
  return fields;
}

function trailerFields(i: number): Fields {
  return [
    ["grpc-status", "0"],
    ["grpc-message", `done ${i}`],
    ["x-trailer-repeat", "t"],
  ];
}

/** Node's header object: repeated names become arrays, which it sends as consecutive fields. */
function toNodeHeaders(fields: Fields): http2.OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of fields) {
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else headers[name] = [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return headers;
}

function requestFields(i: number, port: number): [string, string, boolean?][] {
  return [
    [":method", "GET"],
    [":scheme", "http"],
    [":authority", `127.0.0.1:${port}`],
    [":path", `/r/${i}`],
    ["user-agent", "hpack-test"],
    ["x-check", `check-${i}`],
    ["authorization", `Bearer token-${i}`, true],
    ["x-long", "v".repeat(300)],
  ];
}

/** The server answers a request only if it decoded our encoding as we meant it. */
function answer(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const i = Number(/^\/r\/(\d+)$/.exec(headers[":path"] ?? "")?.[1] ?? -1);
  const sensitive = (headers as Record<symbol, unknown>)[http2.sensitiveHeaders];
  const understood =
    i >= 0 &&
    headers["x-check"] === `check-${i}` &&
    headers["user-agent"] === "hpack-test" &&
    headers.authorization === `Bearer token-${i}` &&
    headers["x-long"] === "v".repeat(300) &&
    JSON.stringify(sensitive) === JSON.stringify(["authorization"]);
  if (!understood) {
    stream.respond({ ":status": 400 }, { endStream: true });
    return;
  }
  stream.respond(
    { ":status": 200, ...toNodeHeaders(responseFields(i)) },
    { waitForTrailers: true },
  );
  stream.on("wantTrailers", () => stream.sendTrailers(toNodeHeaders(trailerFields(i))));
  stream.end(`body ${i}`);
}

async function withServer(run: (port: number) => Promise<void>): Promise<void> {
  const server = http2.createServer({
    paddingStrategy: http2.constants.PADDING_STRATEGY_MAX,
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  server.on("stream", answer);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await run((server.address() as AddressInfo).port);
  } finally {
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

interface StreamResult {
  response?: Fields;
  trailers?: Fields;
}

interface Exchange {
  streams: Map<number, StreamResult>;
  continuations: number;
  paddedHeaders: number;
}

/**
 * Sends REQUESTS GETs on streams 1, 3, 5, ... and decodes every header block the server sends,
 * in arrival order, with one decoder. Resolves when every stream has its trailers. With
 * `headerTableSize`, our SETTINGS advertise that SETTINGS_HEADER_TABLE_SIZE (otherwise none).
 */
function runExchange(port: number, headerTableSize?: number): Promise<Exchange> {
  const socket = net.connect(port, "127.0.0.1");
  const decoder = new HpackDecoder(headerTableSize ? { maxTableSize: headerTableSize } : {});
  const exchange: Exchange = { streams: new Map(), continuations: 0, paddedHeaders: 0 };
  const reader = new FrameReader();
  let block: { streamId: number; endStream: boolean; fragments: Buffer[] } | undefined;
  let finished = 0;

  return new Promise<Exchange>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`timed out: ${finished} streams done`)), 10_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };

    const onBlock = (streamId: number, endStream: boolean, fields: Fields) => {
      const result = exchange.streams.get(streamId) ?? {};
      exchange.streams.set(streamId, result);
      if (result.response) result.trailers = fields;
      else result.response = fields;
      if (endStream && ++finished === REQUESTS) {
        clearTimeout(timer);
        socket.destroy();
        resolve(exchange);
      }
    };

    const onFrame = (f: Frame) => {
      const { type, flags, streamId } = f;
      if (block && type !== FrameType.CONTINUATION)
        throw new Error("a frame interrupted a header block");
      if (type === FrameType.SETTINGS && !(flags & Flag.ACK))
        socket.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
      if (type === FrameType.GOAWAY || type === FrameType.RST_STREAM)
        throw new Error(`server sent frame type ${type} on stream ${streamId}`);
      if (type === FrameType.HEADERS) {
        if (flags & Flag.PADDED) exchange.paddedHeaders++;
        block = { streamId, endStream: (flags & Flag.END_STREAM) !== 0, fragments: [] };
        block.fragments.push(unpadded(f));
      } else if (type === FrameType.CONTINUATION) {
        if (!block || block.streamId !== streamId) throw new Error("stray CONTINUATION");
        exchange.continuations++;
        block.fragments.push(f.payload);
      } else {
        if (type === FrameType.DATA && flags & Flag.END_STREAM)
          throw new Error("the body ended without trailers");
        return;
      }
      if (flags & Flag.END_HEADERS) {
        const { streamId: id, endStream, fragments } = block;
        block = undefined;
        onBlock(id, endStream, decoder.decode(Buffer.concat(fragments)));
      }
    };

    socket.on("error", fail);
    socket.on("close", () => fail(new Error(`connection closed: ${finished} streams done`)));
    socket.on("data", (chunk: Buffer) => {
      try {
        for (const f of reader.push(chunk)) onFrame(f);
      } catch (err) {
        fail(err as Error);
      }
    });

    const requests = Array.from({ length: REQUESTS }, (_, i) =>
      frame(
        FrameType.HEADERS,
        Flag.END_HEADERS | Flag.END_STREAM,
        2 * i + 1,
        encodeHeaders(requestFields(i, port)),
      ),
    );
    const settings = settingsFrame(
      headerTableSize ? [[Setting.HEADER_TABLE_SIZE, headerTableSize]] : [],
    );
    socket.write(Buffer.concat([PREFACE, settings, ...requests]));
  });
}
