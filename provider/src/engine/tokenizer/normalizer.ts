// Normalizers from tokenizer.json: NFC, NFKC, Prepend, Replace, Sequence (SentencePiece-style
// tokenizers use Sequence[Prepend("▁"), Replace(" ", "▁")]).
import { EngineError } from "../errors.js";

export type Normalizer = (text: string) => string;

export interface NormalizerJson {
  type: string;
  prepend?: string;
  pattern?: { String?: string; Regex?: string };
  content?: string;
  normalizers?: NormalizerJson[];
}

export function buildNormalizer(json: NormalizerJson | null | undefined): Normalizer {
  if (json === null || json === undefined) return (text) => text;
  switch (json.type) {
    case "NFC":
      return (text) => text.normalize("NFC");
    case "NFKC":
      return (text) => text.normalize("NFKC");
    case "Prepend": {
      const prefix = json.prepend ?? "";
      // HF prepends to every non-empty normalized segment, even one already starting with it.
      return (text) => (text.length > 0 ? prefix + text : text);
    }
    case "Replace": {
      const content = json.content ?? "";
      if (json.pattern?.String !== undefined) {
        const from = json.pattern.String;
        return (text) => text.replaceAll(from, content);
      }
      if (json.pattern?.Regex !== undefined) {
        const re = new RegExp(json.pattern.Regex, "gu");
        return (text) => text.replace(re, () => content);
      }
      throw new EngineError("unsupported_model", "Replace normalizer without a pattern");
    }
    case "Sequence": {
      const steps = (json.normalizers ?? []).map(buildNormalizer);
      return (text) => steps.reduce((t, step) => step(t), text);
    }
    default:
      throw new EngineError("unsupported_model", `normalizer ${json.type}`);
  }
}
