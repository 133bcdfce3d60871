// Reads tokenizer.json's decoder: byte-level (GPT-2 / Llama 3 / Qwen) or SentencePiece-style
// (Replace "▁" -> " ", ByteFallback, Fuse, Strip one leading space; or Metaspace). Anything else
// would decode differently from the model's own tokenizer, so it is refused.
import { EngineError } from "../errors.js";
import { SPACE_MARK } from "./sentencepiece.js";

export interface DecoderJson {
  type: string;
  decoders?: DecoderJson[];
  pattern?: { String?: string };
  content?: string;
  start?: number;
  stop?: number;
  replacement?: string;
  prepend_scheme?: string;
  add_prefix_space?: boolean;
}

export type DecoderKind =
  { kind: "byte-level" } | { kind: "sentencepiece"; stripLeadingSpace: boolean };

const refuse = (what: string): never => {
  throw new EngineError("unsupported_model", `tokenizer decoder ${what}`);
};

export function readDecoder(json: DecoderJson | null | undefined): DecoderKind {
  if (json === null || json === undefined || json.type === "ByteLevel") {
    return { kind: "byte-level" };
  }
  if (json.type === "Metaspace") {
    if ((json.replacement ?? SPACE_MARK) !== SPACE_MARK) refuse(`Metaspace ${json.replacement}`);
    const scheme = json.prepend_scheme ?? (json.add_prefix_space === false ? "never" : "always");
    return { kind: "sentencepiece", stripLeadingSpace: scheme !== "never" };
  }
  if (json.type !== "Sequence") return refuse(json.type);
  let replaced = false;
  let stripLeadingSpace = false;
  for (const d of json.decoders ?? []) {
    switch (d.type) {
      case "Replace":
        if (d.pattern?.String !== SPACE_MARK || d.content !== " ") refuse("Replace pattern");
        replaced = true;
        break;
      case "ByteFallback":
      case "Fuse":
        break;
      case "Strip":
        if (d.content !== " " || (d.start ?? 0) > 1 || (d.stop ?? 0) !== 0) refuse("Strip");
        stripLeadingSpace = (d.start ?? 0) === 1;
        break;
      default:
        refuse(d.type);
    }
  }
  if (!replaced) refuse("Sequence without Replace");
  return { kind: "sentencepiece", stripLeadingSpace };
}
