import type { Filter } from "../types.js";

/** Only providers that registered the model are candidates. */
export const servesModel: Filter = {
  name: "serves-model",
  kind: "eligibility",
  reads: "class",
  accepts: (req, p) => p.models.has(req.model),
};
