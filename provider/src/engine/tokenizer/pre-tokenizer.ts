// Pre-tokenizers from tokenizer.json: ByteLevel, Split (regex, isolated), Digits, Sequence.
import { EngineError } from "../errors.js";

export const GPT2_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

export type PreTokenizer = (text: string) => string[];

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
    case "Sequence": {
      const steps = (json.pretokenizers ?? []).map(buildPreTokenizer);
      return (text) => steps.reduce<string[]>((parts, step) => parts.flatMap(step), [text]);
    }
    default:
      throw new EngineError("unsupported_model", `pre-tokenizer ${json.type}`);
  }
}
