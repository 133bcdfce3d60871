/** Prompt sizes a load run mixes: short chat turns, a paragraph, a long document question. */
export type PromptSize = "short" | "medium" | "long";

const SENTENCE = "The tide rolls over the harbour stones while the gulls argue about breakfast. ";

const BASES: Record<PromptSize, string> = {
  short: "Tell me a story about the sea.",
  medium: `Summarise this: ${SENTENCE.repeat(8)}`,
  long: `Answer in one word. ${SENTENCE.repeat(40)}`,
};

/** A prompt of that size; `variant` makes distinct prompts of the same size. */
export function promptOf(size: PromptSize, variant: number): string {
  return `${BASES[size]} (#${variant})`;
}

/** Deterministic mix: 60 % short, 30 % medium, 10 % long. */
export function sizeFor(index: number): PromptSize {
  const slot = index % 10;
  return slot < 6 ? "short" : slot < 9 ? "medium" : "long";
}
