// Pre-tokenizers from tokenizer.json: ByteLevel, Split (regex, isolated), Digits, Metaspace,
// Sequence.
import { EngineError } from "../errors.js";

export const GPT2_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** `atStart`: the text begins the input (not after an added token); Metaspace "first" needs it. */
export type PreTokenizer = (text: string, atStart?: boolean) => string[];

/** Node 20's RegExp lacks inline modifiers; expand `(?i:'s|'t)` into explicit case classes. */
export function toJsRegex(pattern: string): RegExp {
  const expanded = pattern.replace(/\(\?i:([^()]*)\)/g, (_m, body: string) => {
    const caseless = body.replace(/[a-zA-Z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
    return `(?:${caseless})`;
  });
  return new RegExp(expanded, "gu");
}

function splitIsolated(re: RegExp): PreTokenizer {
  return (text) => {
    const out: string[] = [];
    let last = 0;
    for (const m of text.matchAll(re)) {
      const at = m.index ?? 0;
      if (m[0].length === 0) continue;
      if (at > last) out.push(text.slice(last, at));
      out.push(m[0]);
      last = at + m[0].length;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  };
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
      const split = json.use_regex === false ? null : splitIsolated(toJsRegex(GPT2_PATTERN));
      const prefix = json.add_prefix_space === true;
      return (text) => {
        const t = prefix && !text.startsWith(" ") ? ` ${text}` : text;
        return split ? split(t) : [t];
      };
    }
    case "Split": {
      if (json.behavior !== undefined && json.behavior !== "Isolated") {
        throw new EngineError("unsupported_model", `Split behavior ${json.behavior}`);
      }
      const source = json.pattern?.Regex ?? escapeRegex(json.pattern?.String ?? "");
      return splitIsolated(toJsRegex(source));
    }
    case "Digits":
      return splitIsolated(json.individual_digits === true ? /\p{N}/gu : /\p{N}+/gu);
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
