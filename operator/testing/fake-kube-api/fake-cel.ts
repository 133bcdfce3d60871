// A small subset of CEL, enough for x-kubernetes-validations rules made of `has(self.a.b)`, field
// access, integer/string/bool literals, comparisons, `!`, `&&`, `||` and parentheses. A rule outside
// that subset is reported by parseCel throwing, and the fake then does not enforce it.
import { isObject, type Json } from "./fake-json.js";

type Node =
  | { t: "lit"; v: Json }
  | { t: "path"; p: string[] }
  | { t: "has"; p: string[] }
  | { t: "not"; e: Node }
  | { t: "bin"; op: string; l: Node; r: Node };

export function parseCel(src: string): Node {
  const tokens = src.match(
    /\s*(has\(|&&|\|\||==|!=|<=|>=|[<>!()]|"[^"]*"|'[^']*'|-?\d+|[A-Za-z_][\w.]*)/gy,
  );
  if (!tokens || tokens.join("").replace(/\s/g, "") !== src.replace(/\s/g, ""))
    throw new Error(`unsupported CEL: ${src}`);
  const toks = tokens.map((t) => t.trim());
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++] as string;
  const expect = (t: string) => {
    if (next() !== t) throw new Error(`unsupported CEL: ${src}`);
  };
  const selfPath = (s: string) => {
    const parts = s.split(".");
    if (parts[0] !== "self") throw new Error(`unsupported CEL: ${src}`);
    return parts.slice(1);
  };
  const primary = (): Node => {
    const t = next();
    if (t === "(") {
      const e = or();
      expect(")");
      return e;
    }
    if (t === "!") return { t: "not", e: primary() };
    if (t === "has(") {
      const p = selfPath(next());
      expect(")");
      return { t: "has", p };
    }
    if (/^-?\d+$/.test(t)) return { t: "lit", v: Number(t) };
    if (t === "true" || t === "false") return { t: "lit", v: t === "true" };
    if (/^["']/.test(t)) return { t: "lit", v: t.slice(1, -1) };
    return { t: "path", p: selfPath(t) };
  };
  const cmp = (): Node => {
    const l = primary();
    const op = peek();
    if (op && ["==", "!=", "<=", ">=", "<", ">"].includes(op)) {
      next();
      return { t: "bin", op, l, r: primary() };
    }
    return l;
  };
  const and = (): Node => {
    let l = cmp();
    while (peek() === "&&") {
      next();
      l = { t: "bin", op: "&&", l, r: cmp() };
    }
    return l;
  };
  const or = (): Node => {
    let l = and();
    while (peek() === "||") {
      next();
      l = { t: "bin", op: "||", l, r: and() };
    }
    return l;
  };
  const e = or();
  if (i !== toks.length) throw new Error(`unsupported CEL: ${src}`);
  return e;
}

function lookup(self: Json, p: string[]): Json | undefined {
  let cur: Json | undefined = self;
  for (const k of p) cur = isObject(cur) ? cur[k] : undefined;
  return cur;
}

export function evalCel(n: Node, self: Json): Json | undefined {
  switch (n.t) {
    case "lit":
      return n.v;
    case "path":
      return lookup(self, n.p);
    case "has":
      return lookup(self, n.p) !== undefined;
    case "not":
      return !evalCel(n.e, self);
    case "bin": {
      if (n.op === "&&") return Boolean(evalCel(n.l, self)) && Boolean(evalCel(n.r, self));
      if (n.op === "||") return Boolean(evalCel(n.l, self)) || Boolean(evalCel(n.r, self));
      const l = evalCel(n.l, self) as number;
      const r = evalCel(n.r, self) as number;
      switch (n.op) {
        case "==":
          return l === r;
        case "!=":
          return l !== r;
        case "<=":
          return l <= r;
        case ">=":
          return l >= r;
        case "<":
          return l < r;
        default:
          return l > r;
      }
    }
  }
}
