import { expect } from "chai";
import { z } from "zod";
import { ConfigError, readEnv } from "./read-env.js";

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  NAME: z.string().default("x"),
});

describe("readEnv", () => {
  it("fills documented defaults when variables are absent", () => {
    expect(readEnv(schema, {})).to.deep.equal({ PORT: 8080, NAME: "x" });
  });

  it("names the variable that is invalid", () => {
    expect(() => readEnv(schema, { PORT: "not-a-port" })).to.throw(ConfigError, /PORT/);
  });

  it("returns a frozen object", () => {
    expect(Object.isFrozen(readEnv(schema, { PORT: "1" }))).to.equal(true);
  });
});
