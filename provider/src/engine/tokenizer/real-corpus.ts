// A corpus for comparing our tokenizer with reference encoders on real tokenizer.json files:
// code, emoji (ZWJ sequences, flags, skin tones), CJK, combining marks, whitespace runs, numbers,
// contractions and special tokens written in the text.

const code = `function fib(n: number): number {
\tif (n < 2) return n;   // base case
\treturn fib(n - 1) + fib(n - 2);
}

def main():
    xs = [i ** 2 for i in range(10)]
    print(f"{xs!r}\\n", end="")  # 0x1F600
\t\t\tif __name__ == "__main__":\r\n        main()
`;

export const REAL_CORPUS: readonly string[] = [
  "Hello world",
  "Hello, world! How are you today?",
  " leading space",
  "  two leading spaces",
  "trailing space ",
  "The quick brown fox jumps over the lazy dog.",
  "don't it's WE'RE they'll I'd she's you've I'M",
  code,
  "emoji 😀 family 👨‍👩‍👧‍👦 astronaut 👩🏽‍🚀 flags 🇯🇵🇫🇷 rainbow flag 🏳️‍🌈 heart ❤️‍🔥",
  "日本語のテキストです。中文文本，包括标点符号！한국어 텍스트도 있습니다.",
  "混合 mixed 文本 with English and 数字 12345",
  "combining: e\u0301 a\u0308 n\u0303 o\u0302\u0323 Z\u0335\u0321a\u0336\u0322l\u0337g\u0338o",
  "precomposed: é ä ñ ộ — NFC vs NFD: \u00e9 \u0065\u0301",
  "Ελληνικά, русский язык, עברית, العربية, हिन्दी, ไทย",
  "spaces:     five, tabs:\t\t\ttwo\tone, newlines:\n\n\n\nfour",
  "mixed   \t \n  \r\n\r\n  whitespace \u00a0nbsp\u2003em-space\u3000ideographic",
  "\n\n\n",
  "   ",
  "\t",
  "numbers 3.14159 2024 1234567890 007 1,000,000 -42 +3e10 0.5% ½ ² ١٢٣ ①",
  "123456789012345678901234567890",
  "a1b22c333d4444e55555",
  "URLs https://example.com/path?q=1&r=two#frag and email a.b+c@example.org",
  'JSON {"key": [1, 2.5, null, true], "nested": {"a": "b"}}',
  "symbols ~!@#$%^&*()_+`-=[]{}|;':\",./<>? ©®™ §¶ ←→ ≤≥ ∑∫√ ∞",
  "zero-width \u200b space \u200c non-joiner \u200d joiner \ufeff bom",
  "<|begin_of_text|>Hello<|eot_id|>",
  "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>",
  "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
  '<think>\nreasoning\n</think>\n\nanswer <tool_call>{"name": "f"}</tool_call>',
  "<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n",
  "text<s>inside</s>text <unk>",
  "ＦＵＬＬＷＩＤＴＨ ｶﾀｶﾅ ﬁ ligature",
  "CamelCaseIdentifier snake_case_name kebab-case-name SCREAMING_CASE",
  "a".repeat(300),
  "The provider runs a small language model. ".repeat(40),
  "lorem ipsum 東京 🚀 12345 \t\n".repeat(25),
];
