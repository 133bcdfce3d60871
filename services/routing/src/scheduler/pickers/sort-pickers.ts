import type { Picker, ProviderSort } from "../types.js";
import { shuffle } from "./shuffle.js";

/**
 * `provider.sort: "throughput"`: the highest decode speed for the model first (the relay's EWMA
 * of observed tokens/s, else the provider's benchmark); equal speeds by expected time to first
 * token, exact ties at random.
 */
export const byThroughput: Picker = {
  name: "sort-throughput",
  order: (req, scored, random, limit = Infinity) =>
    shuffle(scored, random)
      .sort(
        (a, b) => b.provider.decodeTps(req.model) - a.provider.decodeTps(req.model) || a.ms - b.ms,
      )
      .slice(0, limit),
};

/**
 * `provider.sort: "latency"`: strictly the lowest expected time to first token first (the
 * profile's score), without the default's near-tie preference for better reputation.
 */
export const byLatency: Picker = {
  name: "sort-latency",
  order: (_req, scored, random, limit = Infinity) =>
    shuffle(scored, random)
      .sort((a, b) => a.ms - b.ms)
      .slice(0, limit),
};

/** The picker a consumer's sort asks for; undefined = the profile's own (price within a model). */
export function sortPicker(sort: ProviderSort | undefined): Picker | undefined {
  switch (sort) {
    case "throughput":
      return byThroughput;
    case "latency":
      return byLatency;
    case "price":
    case undefined:
      return undefined;
  }
}
