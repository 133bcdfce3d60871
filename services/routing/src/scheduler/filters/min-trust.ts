import type { Filter } from "../types.js";

/** Providers below the trust level the consumer requires are never chosen. */
export const minTrust: Filter = {
  name: "min-trust",
  kind: "eligibility",
  reads: "class",
  accepts: (req, p) => p.trustLevel >= req.minTrust,
};
