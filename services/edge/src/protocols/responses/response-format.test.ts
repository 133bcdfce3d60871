import { expect } from "chai";
import { EdgeError } from "../../errors/edge-error.js";
import { parseResponseRequest, responsePlan } from "./request.js";

describe("text.format validation (responses)", () => {
  it("the Responses API's text.format json_schema reaches the provider as a chat response_format", () => {
    const schema = { type: "object", properties: { a: { type: "integer" } }, required: ["a"] };
    const req = parseResponseRequest({
      model: "m",
      input: "hi",
      text: { format: { type: "json_schema", name: "n", schema, strict: true } },
    });
    const body = responsePlan(req, 10, "acct").body;
    expect(body.input.case).to.equal("chat");
    const json = body.input.case === "chat" ? body.input.value.responseFormatJson : "";
    expect(JSON.parse(json)).to.deep.equal({
      type: "json_schema",
      json_schema: { name: "n", schema, strict: true },
    });
    const bad = (() => {
      try {
        return parseResponseRequest({
          model: "m",
          input: "hi",
          text: { format: { type: "json_schema", name: "n", schema: { type: "object", not: {} } } },
        });
      } catch (err) {
        return err;
      }
    })();
    expect(bad).to.be.instanceOf(EdgeError);
    expect((bad as EdgeError).param).to.equal("text.format.schema");
  });
});
