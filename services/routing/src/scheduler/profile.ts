import { z } from "zod";
import { FILTERS, PICKERS, SCORERS } from "./plugin-registry.js";
import type { Filter, Picker, Scorer } from "./types.js";

/** A scheduling profile as configured: plugin type names and scorer weights. */
export const ProfileSpecSchema = z.object({
  filters: z.array(z.string()),
  scorers: z.array(z.object({ type: z.string(), weight: z.number() })),
  picker: z.string(),
});
export type ProfileSpec = z.infer<typeof ProfileSpecSchema>;

export interface Profile {
  name: string;
  filters: readonly Filter[];
  scorers: readonly { scorer: Scorer; weight: number }[];
  picker: Picker;
}

const ELIGIBILITY = ["serves-model", "template-ok", "min-trust", "routable", "quantization"];
const ADMISSION = [...ELIGIBILITY, "slot-healthy", "model-loaded", "token-budget"];
const TTFT_SCORERS = [
  "queue-wait",
  "prefill-time",
  "cold-slot",
  "memory-pressure",
  "thermal",
  "cpu-load",
];
const weighted = (types: string[]) => types.map((type) => ({ type, weight: 1 }));

/** Built-in profiles; `ours` is the production default. Baselines exist for the simulator. */
export const BUILTIN_PROFILES: Readonly<Record<string, ProfileSpec>> = {
  ours: {
    filters: ADMISSION,
    scorers: weighted([...TTFT_SCORERS, "prefix-affinity"]),
    picker: "lowest-ttft",
  },
  "ours-without-prefix-affinity": {
    filters: ADMISSION,
    scorers: weighted(TTFT_SCORERS),
    picker: "lowest-ttft",
  },
  "least-loaded": { filters: ADMISSION, scorers: [], picker: "least-loaded" },
  "round-robin": { filters: ADMISSION, scorers: [], picker: "round-robin" },
  random: { filters: ADMISSION, scorers: [], picker: "random" },
};

/** Resolves a profile name or a JSON spec (`{"filters":[…],"scorers":[…],"picker":"…"}`). */
export function resolveProfile(nameOrJson: string): Profile {
  const trimmed = nameOrJson.trim();
  const spec = trimmed.startsWith("{")
    ? ProfileSpecSchema.parse(JSON.parse(trimmed))
    : BUILTIN_PROFILES[trimmed];
  if (!spec) throw new Error(`unknown routing profile "${nameOrJson}"`);
  const name = trimmed.startsWith("{") ? "custom" : trimmed;
  return {
    name,
    filters: spec.filters.map((t) => lookup(FILTERS, t, "filter")),
    scorers: spec.scorers.map((s) => ({
      scorer: lookup(SCORERS, s.type, "scorer"),
      weight: s.weight,
    })),
    picker: lookup(PICKERS, spec.picker, "picker")(),
  };
}

function lookup<T>(table: Readonly<Record<string, T>>, type: string, what: string): T {
  const found = table[type];
  if (!found)
    throw new Error(`unknown ${what} "${type}" (known: ${Object.keys(table).join(", ")})`);
  return found;
}
