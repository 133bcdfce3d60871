import { expect } from "chai";
import { isValidModelId } from "./model-id.js";

describe("isValidModelId", () => {
  it("accepts the model ids people write", () => {
    for (const id of ["tiny-llama", "mlx-community/Qwen2.5-7B-Instruct-4bit", "llama3:8b", "模型"])
      expect(isValidModelId(id), id).to.equal(true);
  });

  it("refuses empty, overlong, padded or unprintable ids (NUL would reach Postgres)", () => {
    for (const id of [
      "",
      " ",
      " x",
      "x".repeat(257),
      "\u0000",
      "tiny\u0000llama",
      "a\nb",
      "\ud800",
    ])
      expect(isValidModelId(id), JSON.stringify(id)).to.equal(false);
  });
});
