// Builds tokenizer.json (real byte-level BPE) and tokenizer_config.json (ChatML template).
import { BYTE_TO_CHAR } from "../src/engine/tokenizer/byte-level.js";
import { buildPreTokenizer } from "../src/engine/tokenizer/pre-tokenizer.js";
import { CORPUS } from "./corpus.js";
import { trainBpe } from "./train-bpe.js";

// Qwen2's split pattern (with the inline (?i:) group our loader has to translate).
const SPLIT_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

export const SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] as const;

export const CHAT_TEMPLATE = [
  "{%- if tools %}",
  "{{- '<|im_start|>system\\n' }}",
  "{%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}",
  "{{- '# Tools\\n' }}",
  "{%- for tool in tools %}{{- (tool | tojson) + '\\n' }}{%- endfor %}",
  "{{- '<|im_end|>\\n' }}",
  "{%- elif messages[0].role == 'system' %}",
  "{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}",
  "{%- endif %}",
  "{%- for message in messages %}",
  "{%- if message.role == 'system' and loop.first %}",
  "{%- elif message.role == 'assistant' and message.tool_calls %}",
  "{{- '<|im_start|>assistant\\n' }}{%- if message.content %}{{- message.content + '\\n' }}{%- endif %}",
  "{%- for tc in message.tool_calls %}",
  "{{- '<tool_call>\\n{\"name\": \"' + tc.function.name + '\", \"arguments\": ' + (tc.function.arguments | tojson) + '}\\n</tool_call>' }}",
  "{%- endfor %}",
  "{{- '<|im_end|>\\n' }}",
  "{%- else %}",
  "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}",
  "{%- endif %}",
  "{%- endfor %}",
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
].join("\n");

export function tokenizerFiles(numMerges: number): {
  tokenizer: object;
  config: object;
  size: number;
} {
  const preTokenizer = {
    type: "Sequence",
    pretokenizers: [
      { type: "Split", pattern: { Regex: SPLIT_PATTERN }, behavior: "Isolated", invert: false },
      { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
    ],
  };
  const words = buildPreTokenizer(preTokenizer)(CORPUS);
  const { symbols, merges } = trainBpe(words, numMerges);
  const vocab: Record<string, number> = {};
  [...BYTE_TO_CHAR, ...symbols].forEach((sym, id) => (vocab[sym] = id));
  const base = BYTE_TO_CHAR.length + symbols.length;
  const added = SPECIAL_TOKENS.map((content, i) => ({
    id: base + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: "NFC" },
    pre_tokenizer: preTokenizer,
    post_processor: {
      type: "ByteLevel",
      add_prefix_space: false,
      trim_offsets: false,
      use_regex: false,
    },
    decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const config = {
    bos_token: null,
    eos_token: "<|im_end|>",
    pad_token: "<|endoftext|>",
    model_max_length: 2048,
    tokenizer_class: "Qwen2Tokenizer",
    chat_template: CHAT_TEMPLATE,
  };
  return { tokenizer, config, size: base + added.length };
}
