import type { TrustName } from "../chat-types.js";

const RANK: Readonly<Record<TrustName, number>> = {
  none: 0,
  software: 1,
  hardware: 2,
  hardware_mda: 3,
};

/** The rank of a trust level name; unknown names rank above everything (never "supported"). */
export const trustRank = (name: string): number =>
  name in RANK ? RANK[name as TrustName] : Number.POSITIVE_INFINITY;

export const isTrustName = (name: string): name is TrustName => name in RANK;
