// A byte-level acceptor for compact JSON with an object at the root: it says whether a byte may
// come next, and the shortest bytes that close what is open. The token constraint runs it over
// each vocabulary entry to mask logits (tool-call arguments, response_format json_object).
// Compact on purpose: no whitespace and no escapes, so a model cannot wander off in blanks.
import { UTF8_START, utf8Next, type Utf8State } from "../json-schema/bytes.js";

type Mode =
  | "root" // expects '{'
  | "value"
  | "value-or-close" // just after '['
  | "key-or-close" // just after '{'
  | "key" // after ',' in an object
  | "string"
  | "key-string"
  | "colon"
  | "after-value"
  | "num-sign" // after '-'
  | "num-zero" // after a leading 0
  | "num-int"
  | "num-dot"
  | "num-frac"
  | "num-e"
  | "num-e-sign"
  | "num-exp"
  | "literal"
  | "done";

const DIGIT = (b: number): boolean => b >= 0x30 && b <= 0x39;

export class JsonMachine {
  #mode: Mode = "root";
  #stack: string[] = [];
  #literal = "";
  #utf8: Utf8State = UTF8_START;

  constructor(readonly maxDepth = 32) {}

  get done(): boolean {
    return this.#mode === "done";
  }

  get inPlainText(): boolean {
    return (this.#mode === "string" || this.#mode === "key-string") && this.#utf8.pending === 0;
  }

  clone(): JsonMachine {
    const c = new JsonMachine(this.maxDepth);
    c.#mode = this.#mode;
    c.#stack = this.#stack.slice();
    c.#literal = this.#literal;
    c.#utf8 = this.#utf8;
    return c;
  }

  /** Feeds bytes; false (and the machine is left mid-way) when one is not allowed. */
  pushAll(bytes: Uint8Array): boolean {
    for (const b of bytes) if (!this.push(b)) return false;
    return true;
  }

  push(b: number): boolean {
    const c = String.fromCharCode(b);
    switch (this.#mode) {
      case "root":
        return c === "{" && this.#open("{");
      case "value-or-close":
        if (c === "]") return this.#close("[");
        return this.#value(b);
      case "value":
        return this.#value(b);
      case "key-or-close":
        if (c === "}") return this.#close("{");
        return c === '"' && this.#to("key-string");
      case "key":
        return c === '"' && this.#to("key-string");
      case "string":
      case "key-string":
        return this.#stringByte(b);
      case "colon":
        return c === ":" && this.#to("value");
      case "after-value":
        return this.#afterValue(c);
      case "num-sign":
        if (c === "0") return this.#to("num-zero");
        return DIGIT(b) && this.#to("num-int");
      case "num-int":
        return DIGIT(b) || this.#afterInteger(c);
      case "num-zero":
        return this.#afterInteger(c);
      case "num-dot":
        return DIGIT(b) && this.#to("num-frac");
      case "num-frac":
        if (DIGIT(b)) return true;
        if (c === "e" || c === "E") return this.#to("num-e");
        return this.#afterValue(c);
      case "num-e":
        if (c === "+" || c === "-") return this.#to("num-e-sign");
        return DIGIT(b) && this.#to("num-exp");
      case "num-e-sign":
        return DIGIT(b) && this.#to("num-exp");
      case "num-exp":
        if (DIGIT(b)) return true;
        return this.#afterValue(c);
      case "literal":
        if (this.#literal[0] !== c) return false;
        this.#literal = this.#literal.slice(1);
        if (this.#literal === "") this.#mode = "after-value";
        return true;
      case "done":
        return false;
    }
  }

  /** The shortest bytes that turn what was fed so far into complete JSON. */
  closingSuffix(): string {
    let head: string;
    switch (this.#mode) {
      case "root":
        return "{}";
      case "value":
      case "num-sign":
      case "num-dot":
      case "num-e":
      case "num-e-sign":
        head = "0";
        break;
      case "value-or-close":
      case "key-or-close":
      case "after-value":
      case "num-zero":
      case "num-int":
      case "num-frac":
      case "num-exp":
        head = "";
        break;
      case "key":
        head = '"":0';
        break;
      case "string":
        head = '"';
        break;
      case "key-string":
        head = '":0';
        break;
      case "colon":
        head = ":0";
        break;
      case "literal":
        head = this.#literal;
        break;
      case "done":
        return "";
    }
    const closers = this.#stack
      .slice()
      .reverse()
      .map((o) => (o === "{" ? "}" : "]"))
      .join("");
    return head + closers;
  }

  #to(mode: Mode): true {
    this.#mode = mode;
    return true;
  }

  #value(b: number): boolean {
    const c = String.fromCharCode(b);
    if (c === '"') return this.#to("string");
    if (c === "{" || c === "[") return this.#open(c);
    if (c === "-") return this.#to("num-sign");
    if (c === "0") return this.#to("num-zero");
    if (DIGIT(b)) return this.#to("num-int");
    const literal = c === "t" ? "rue" : c === "f" ? "alse" : c === "n" ? "ull" : undefined;
    if (literal === undefined) return false;
    this.#literal = literal;
    return this.#to("literal");
  }

  /** A byte inside a string or key: printable, no escapes, well-formed UTF-8. */
  #stringByte(b: number): boolean {
    if (this.#utf8.pending === 0 && b === 0x22)
      return this.#to(this.#mode === "string" ? "after-value" : "colon");
    if (this.#utf8.pending === 0 && (b < 0x20 || b === 0x5c || b === 0x7f)) return false;
    const next = utf8Next(this.#utf8, b);
    if (!next) return false;
    this.#utf8 = next;
    return true;
  }

  #open(c: string): boolean {
    if (this.#stack.length >= this.maxDepth) return false;
    this.#stack.push(c);
    return this.#to(c === "{" ? "key-or-close" : "value-or-close");
  }

  #close(open: string): boolean {
    if (this.#stack.at(-1) !== open) return false;
    this.#stack.pop();
    return this.#to(this.#stack.length === 0 ? "done" : "after-value");
  }

  #afterInteger(c: string): boolean {
    if (c === ".") return this.#to("num-dot");
    if (c === "e" || c === "E") return this.#to("num-e");
    return this.#afterValue(c);
  }

  #afterValue(c: string): boolean {
    const top = this.#stack.at(-1);
    if (c === ",") return this.#to(top === "{" ? "key" : "value");
    if (c === "}" || c === "]") return this.#close(c === "}" ? "{" : "[");
    return false;
  }
}
