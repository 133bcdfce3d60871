import { expect } from "chai";
import { sql } from "slonik";
import { z } from "zod";
import { boolArrayLiteral, int8ArrayLiteral, textArrayLiteral } from "./array-parameter.js";
import { singleConnectionPools } from "./testing/single-connection-pools.js";

const HOSTILE = [
  "",
  "NULL",
  "null",
  '"',
  '""',
  "\\",
  "\\\\",
  '\\"',
  "a,b",
  "{}",
  "{a,b}",
  "}",
  "{",
  " leading and trailing ",
  "\t\n\r",
  "'; DROP TABLE x; --",
  "é",
  "日本語",
  "🙂",
  'mixed \\ "quote" , {brace} NULL',
];

describe("array parameters", () => {
  const pools = singleConnectionPools();
  const texts = z.object({ v: z.array(z.string().nullable()) });

  it("carries every text through Postgres unchanged: quotes, backslashes, commas, braces, NULL", async () => {
    const values = [...HOSTILE, null, ...HOSTILE.map((s) => `x${s}y`)];
    const v = await pools
      .pool()
      .oneFirst(sql.type(texts)`SELECT ${textArrayLiteral(values)}::text[] AS v`);
    expect(v).to.deep.equal(values);
  });

  it("reads each text as one element, NULL only for null", async () => {
    const row = z.object({ n: z.number(), nulls: z.number() });
    const counted = await pools.pool().one(sql.type(row)`
      SELECT cardinality(a) AS n, (SELECT count(*)::int FROM unnest(a) e WHERE e IS NULL) AS nulls
      FROM (SELECT ${textArrayLiteral([...HOSTILE, null])}::text[] AS a) t`);
    expect(counted).to.deep.equal({ n: HOSTILE.length + 1, nulls: 1 });
  });

  it("gives the same arrays as sql.array for text, uuid, int8 and bool", async () => {
    const uuids = ["00000000-0000-0000-0000-000000000000", "6f1c0a52-9d3e-4c55-8f0e-0c4f1d2b9a77"];
    const int8s = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n)];
    const bools = [true, false, true];
    const row = z.object({ same: z.boolean() });
    const same = await pools.pool().oneFirst(sql.type(row)`
      SELECT ${textArrayLiteral(HOSTILE)}::text[] = ${sql.array(HOSTILE, "text")}
        AND ${textArrayLiteral(uuids)}::uuid[] = ${sql.array(uuids, "uuid")}
        AND ${int8ArrayLiteral(int8s)}::int8[] = ${sql.array(int8s, "int8")}
        AND ${boolArrayLiteral(bools)}::bool[] = ${sql.array(bools, "bool")}
        AND ${textArrayLiteral([])}::text[] = '{}'::text[] AS same`);
    expect(same).to.equal(true);
  });

  it("refuses a uuid that is not one, as sql.array does", async () => {
    const refused = await pools
      .pool()
      .query(sql.unsafe`SELECT ${textArrayLiteral(["not-a-uuid"])}::uuid[]`)
      .then(
        () => "accepted",
        (error: unknown) => String(error instanceof Error && error.cause ? error.cause : error),
      );
    expect(refused).to.match(/invalid input syntax for type uuid/);
  });

  it('writes texts as quoted elements with only \\ and " escaped', () => {
    expect(textArrayLiteral(["a", null, 'b"c', "d\\e", "", "NULL"])).to.equal(
      '{"a",NULL,"b\\"c","d\\\\e","","NULL"}',
    );
  });
});
