import type { Filter } from "../types.js";

/** A provider whose chat template failed to render for a model never gets that model's requests. */
export const templateOk: Filter = {
  name: "template-ok",
  kind: "eligibility",
  reads: "class",
  accepts: (req, p) => p.models.get(req.model)?.templateOk === true,
};
