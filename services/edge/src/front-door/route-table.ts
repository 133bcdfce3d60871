// The coordinator's one HTTP route table: method + path pattern → route. The most specific
// pattern that matches a path answers (a literal segment outranks `{}`, which outranks a trailing
// `*`), so the order routes are listed in never decides which service answers.
import type { HttpMethod, HttpRoute } from "@darkbloom/http-body";

type Segment = { kind: "literal"; text: string } | { kind: "param" } | { kind: "rest" };
const RANK = { literal: 0, param: 1, rest: 2 } as const;

interface Compiled {
  readonly route: HttpRoute;
  /** The pattern with its parameter names dropped: two routes with one shape match the same paths. */
  readonly shape: string;
  readonly segments: readonly Segment[];
}

export type Lookup =
  | { kind: "route"; route: HttpRoute; params: string[] }
  | { kind: "method"; allow: HttpMethod[] }
  | undefined;

function compile(route: HttpRoute): Compiled {
  if (!route.path.startsWith("/")) throw new Error(`route path ${route.path} must start with /`);
  const segments = route.path
    .slice(1)
    .split("/")
    .map((text, i, all): Segment => {
      if (text === "{}") return { kind: "param" };
      if (text === "*" && i === all.length - 1) return { kind: "rest" };
      if (text.includes("{") || text.includes("*"))
        throw new Error(`route path ${route.path}: '{}' and a last '*' are whole segments`);
      return { kind: "literal", text };
    });
  return { route, shape: route.path, segments };
}

/** The params of `parts` under the pattern, or null when it does not match. */
function match(segments: readonly Segment[], parts: readonly string[]): string[] | null {
  const params: string[] = [];
  for (const [i, segment] of segments.entries()) {
    const part = parts[i];
    if (segment.kind === "rest") return part === undefined ? null : params;
    if (part === undefined) return null;
    if (segment.kind === "literal" && segment.text !== part) return null;
    if (segment.kind === "param") {
      if (part === "") return null;
      params.push(part);
    }
  }
  return segments.length === parts.length ? params : null;
}

/** Negative when `a` is the more specific of two patterns that match one path. */
function bySpecificity(a: Compiled, b: Compiled): number {
  for (let i = 0; i < Math.max(a.segments.length, b.segments.length); i++) {
    const ka = a.segments[i]?.kind ?? "rest";
    const kb = b.segments[i]?.kind ?? "rest";
    if (ka !== kb) return RANK[ka] - RANK[kb];
  }
  return 0;
}

/** Pairs of routes that would answer the same method + path: the table refuses to start with any. */
export function conflicts(routes: readonly HttpRoute[]): [HttpRoute, HttpRoute][] {
  const compiled = routes.map(compile);
  const found: [HttpRoute, HttpRoute][] = [];
  for (const [i, a] of compiled.entries())
    for (const b of compiled.slice(i + 1))
      if (a.shape === b.shape && a.route.methods.some((m) => b.route.methods.includes(m)))
        found.push([a.route, b.route]);
  return found;
}

export class RouteTable {
  private readonly compiled: readonly Compiled[];
  /**
   * Patterns of literal segments only, by path. One that matches a path is the most specific
   * pattern matching it (a literal outranks `{}` and `*` at every segment), so its path answers
   * without trying every route (an inference request's path is always one of these).
   */
  private readonly literal = new Map<string, Compiled[]>();

  constructor(readonly routes: readonly HttpRoute[]) {
    const clash = conflicts(routes)[0];
    if (clash)
      throw new Error(
        `two routes answer ${clash[0].methods.join("/")} ${clash[0].path} and ${clash[1].path}`,
      );
    this.compiled = routes.map(compile);
    for (const c of this.compiled) {
      if (!c.segments.every((s) => s.kind === "literal")) continue;
      const same = this.literal.get(c.shape);
      if (same) same.push(c);
      else this.literal.set(c.shape, [c]);
    }
  }

  /** The route for `method` + `path`; `method` when the path is served but not with this method. */
  lookup(method: string, path: string): Lookup {
    const exact = this.literal.get(path);
    if (exact !== undefined) {
      const hit = exact.find((c) => c.route.methods.some((m) => m === method));
      if (hit) return { kind: "route", route: hit.route, params: [] };
      return { kind: "method", allow: [...new Set(exact.flatMap((c) => c.route.methods))] };
    }
    const parts = path.slice(1).split("/");
    const hits = this.compiled
      .map((c) => ({ c, params: match(c.segments, parts) }))
      .filter((h): h is { c: Compiled; params: string[] } => h.params !== null);
    if (hits.length === 0) return undefined;
    hits.sort((a, b) => bySpecificity(a.c, b.c));
    const shape = hits[0]?.c.shape;
    const same = hits.filter((h) => h.c.shape === shape);
    const hit = same.find((h) => h.c.route.methods.some((m) => m === method));
    if (hit) return { kind: "route", route: hit.c.route, params: hit.params };
    return { kind: "method", allow: [...new Set(same.flatMap((h) => h.c.route.methods))] };
  }
}
