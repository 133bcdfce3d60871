import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "./helm.js";

/** A .dockerignore matcher (the patterns Docker's fileutils understand, `!` exceptions included). */
export function dockerignore(
  text = readFileSync(path.join(REPO, ".dockerignore"), "utf8"),
): (file: string) => boolean {
  const rules = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const glob = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, "");
      const source = glob
        .split("/")
        .map((part) =>
          part === "**"
            ? "(?:.*/)?"
            : part
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]") + "/",
        )
        .join("");
      return { negate, regex: new RegExp(`^${source.replace(/\/$/, "")}(?:/.*)?$`) };
    });
  return (file: string) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(file)) ignored = !rule.negate;
    return ignored;
  };
}
