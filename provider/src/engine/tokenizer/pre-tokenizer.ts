// Pre-tokenizers from tokenizer.json: ByteLevel, Split (regex, isolated), Digits, Metaspace,
// Sequence.
import { EngineError } from "../errors.js";

export const GPT2_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** `atStart`: the text begins the input (not after an added token); Metaspace "first" needs it. */
export type PreTokenizer = (text: string, atStart?: boolean) => string[];

/**
 * Unicode White_Space, which `\s` means in the tokenizers crate's regex engine (Oniguruma).
 * JavaScript's `\s` differs: it adds U+FEFF and lacks U+0085, which splits text differently.
 */
const WHITE_SPACE =
  "\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/** `\s` and `\S` as explicit classes, inside a character class or outside one. */
function expandWhiteSpace(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? "";
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      i++;
      if (next === "s") out += inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`;
      else if (next === "S" && !inClass) out += `[^${WHITE_SPACE}]`;
      else out += c + next;
      continue;
    }
    if (c === "[" && !inClass) inClass = true;
    else if (c === "]" && inClass) inClass = false;
    out += c;
  }
  return out;
}

/**
 * A tokenizer.json regex as a JavaScript RegExp: Node 20 lacks inline modifiers, so `(?i:'s|'t)`
 * becomes explicit case classes, and `\s` is Unicode White_Space as in the tokenizers crate.
 */
export function toJsRegex(pattern: string): RegExp {
  const expanded = pattern.replace(/\(\?i:([^()]*)\)/g, (_m, body: string) => {
    const caseless = body.replace(/[a-zA-Z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
    return `(?:${caseless})`;
  });
  return new RegExp(expandWhiteSpace(expanded), "gu");
}

type SplitBehavior =
  "Isolated" | "Removed" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous";
const SPLIT_BEHAVIORS: readonly string[] = [
  "Isolated",
  "Removed",
  "MergedWithPrevious",
  "MergedWithNext",
  "Contiguous",
];

/**
 * HF Split: the matches of `re` are the delimiters (or, inverted, the text between them), kept
 * per `behavior`: as their own pieces, dropped, glued to the piece before or after, or runs of
 * adjacent delimiters merged into one piece.
 */
function splitOn(re: RegExp, behavior: SplitBehavior = "Isolated", invert = false): PreTokenizer {
  return (text) => {
    // [piece, isDelimiter] in order, empty pieces left out.
    const spans: [string, boolean][] = [];
    let last = 0;
    for (const m of text.matchAll(re)) {
      const at = m.index ?? 0;
      if (m[0].length === 0) continue;
      if (at > last) spans.push([text.slice(last, at), invert]);
      spans.push([m[0], !invert]);
      last = at + m[0].length;
    }
    if (last < text.length) spans.push([text.slice(last), invert]);
    return mergeDelimiters(spans, behavior);
  };
}

/** The tokenizers crate's SplitDelimiterBehavior over [piece, isDelimiter] spans. */
function mergeDelimiters(spans: [string, boolean][], behavior: SplitBehavior): string[] {
  const out: string[] = [];
  if (behavior === "MergedWithNext") {
    // A delimiter joins the piece after it unless that piece is a delimiter too.
    let nextDelim = false;
    for (let i = spans.length - 1; i >= 0; i--) {
      const [piece, delim] = spans[i] ?? ["", false];
      if (delim && !nextDelim && out.length > 0) out[out.length - 1] = piece + out[out.length - 1];
      else out.push(piece);
      nextDelim = delim;
    }
    return out.reverse();
  }
  let prevDelim = false;
  for (const [piece, delim] of spans) {
    if (behavior === "Removed" && delim) continue;
    const glue =
      out.length > 0 &&
      ((behavior === "MergedWithPrevious" && delim && !prevDelim) ||
        (behavior === "Contiguous" && delim && prevDelim));
    if (glue) out[out.length - 1] += piece;
    else out.push(piece);
    prevDelim = delim;
  }
  return out;
}

interface PreTokenizerJson {
  type: string;
  pattern?: { Regex?: string; String?: string };
  behavior?: string;
  use_regex?: boolean;
  add_prefix_space?: boolean;
  individual_digits?: boolean;
  pretokenizers?: PreTokenizerJson[];
  replacement?: string;
  prepend_scheme?: "always" | "first" | "never";
  split?: boolean;
  invert?: boolean;
}

/** HF MergedWithNext: each `sep` starts a new piece ("▁a▁▁b" -> "▁a", "▁", "▁b"). */
function splitBefore(text: string, sep: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let at = text.indexOf(sep, 1); at > 0; at = text.indexOf(sep, at + sep.length)) {
    out.push(text.slice(start, at));
    start = at;
  }
  out.push(text.slice(start));
  return out;
}

function metaspace(json: PreTokenizerJson): PreTokenizer {
  const rep = json.replacement ?? "\u2581";
  const scheme = json.prepend_scheme ?? (json.add_prefix_space === false ? "never" : "always");
  const split = json.split !== false;
  return (text, atStart = true) => {
    if (text.length === 0) return [];
    let t = text.replaceAll(" ", rep);
    const prepend = scheme === "always" || (scheme === "first" && atStart);
    if (prepend && !t.startsWith(rep)) t = rep + t;
    return split ? splitBefore(t, rep) : [t];
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function buildPreTokenizer(json: PreTokenizerJson | null): PreTokenizer {
  if (json === null) return (text) => [text];
  switch (json.type) {
    case "ByteLevel": {
      const split = json.use_regex === false ? null : splitOn(toJsRegex(GPT2_PATTERN));
      const prefix = json.add_prefix_space === true;
      return (text) => {
        const t = prefix && !text.startsWith(" ") ? ` ${text}` : text;
        return split ? split(t) : [t];
      };
    }
    case "Split": {
      const behavior = json.behavior ?? "Isolated";
      if (!SPLIT_BEHAVIORS.includes(behavior)) {
        throw new EngineError("unsupported_model", `Split behavior ${behavior}`);
      }
      const source = json.pattern?.Regex ?? escapeRegex(json.pattern?.String ?? "");
      return splitOn(toJsRegex(source), behavior as SplitBehavior, json.invert === true);
    }
    case "Digits":
      return splitOn(json.individual_digits === true ? /\p{N}/gu : /\p{N}+/gu);
    case "Metaspace":
      return metaspace(json);
    case "Sequence": {
      const steps = (json.pretokenizers ?? []).map(buildPreTokenizer);
      // Only the first piece still begins the input for the steps after a split.
      return (text, atStart = true) =>
        steps.reduce<string[]>(
          (parts, step) => parts.flatMap((part, i) => step(part, atStart && i === 0)),
          [text],
        );
    }
    default:
      throw new EngineError("unsupported_model", `pre-tokenizer ${json.type}`);
  }
}
