import type { Filter } from "../types.js";

/**
 * Attestation fencing: a provider attestation marked unroutable gets nothing, and a model whose
 * weight hash it does not trust is never routed to that provider.
 */
export const routable: Filter = {
  name: "routable",
  kind: "eligibility",
  reads: "class",
  accepts: (req, p) => p.routable && p.models.get(req.model)?.fenced !== true,
};
