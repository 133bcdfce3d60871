import type { Filter } from "../types.js";

/** The consumer's `provider.quantizations` allow-list (case-insensitive; empty allows all). */
export const quantization: Filter = {
  name: "quantization",
  kind: "eligibility",
  reads: "class",
  accepts: (req, p) =>
    req.quantizations.length === 0 ||
    req.quantizations.includes(p.models.get(req.model)?.quantization ?? ""),
};
