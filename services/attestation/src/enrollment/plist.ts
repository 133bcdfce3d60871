/** The plist values enrollment uses (Apple XML property lists). */
export type PlistValue =
  string | number | boolean | Uint8Array | PlistValue[] | { [key: string]: PlistValue };

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Serialises a value as an XML plist document. */
export function toPlistXml(value: PlistValue): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
    `<plist version="1.0">\n${node(value, "")}\n</plist>\n`
  );
}

function node(v: PlistValue, pad: string): string {
  if (typeof v === "string") return `${pad}<string>${esc(v)}</string>`;
  if (typeof v === "boolean") return `${pad}<${v ? "true" : "false"}/>`;
  if (typeof v === "number")
    return Number.isInteger(v) ? `${pad}<integer>${v}</integer>` : `${pad}<real>${v}</real>`;
  if (v instanceof Uint8Array) return `${pad}<data>${Buffer.from(v).toString("base64")}</data>`;
  if (Array.isArray(v))
    return `${pad}<array>\n${v.map((x) => node(x, pad + "  ")).join("\n")}\n${pad}</array>`;
  const entries = Object.entries(v).map(
    ([k, x]) => `${pad}  <key>${esc(k)}</key>\n${node(x, pad + "  ")}`,
  );
  return `${pad}<dict>\n${entries.join("\n")}\n${pad}</dict>`;
}

const unesc = (s: string): string =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");

/**
 * Parses an XML plist (dict, array, string, integer, real, true, false, data, date) — enough for
 * MDM check-in messages. Throws a PlistError on anything else.
 */
export function parsePlist(xml: string): PlistValue {
  const tokens = xml
    .replace(/<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--[\s\S]*?-->/g, "")
    .match(/<[^>]+>|[^<]+/g)
    ?.filter((t) => t.trim() !== "");
  if (!tokens) throw new PlistError("empty plist");
  let i = 0;
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw new PlistError("truncated plist");
    return t.trim();
  };
  const text = (tag: string): string => {
    let t = next();
    let body = "";
    if (t !== `</${tag}>`) {
      body = unesc(t);
      t = next();
    }
    if (t !== `</${tag}>`) throw new PlistError(`expected </${tag}>`);
    return body;
  };
  const value = (open: string): PlistValue => {
    switch (open) {
      case "<string>":
      case "<date>":
        return text(open.slice(1, -1));
      case "<string/>":
        return "";
      case "<integer>":
      case "<real>":
        return Number(text(open.slice(1, -1)));
      case "<true/>":
        return true;
      case "<false/>":
        return false;
      case "<data>":
        return new Uint8Array(Buffer.from(text("data").replace(/\s+/g, ""), "base64"));
      case "<array>": {
        const out: PlistValue[] = [];
        for (let t = next(); t !== "</array>"; t = next()) out.push(value(t));
        return out;
      }
      case "<dict>": {
        const out: Record<string, PlistValue> = {};
        for (let t = next(); t !== "</dict>"; t = next()) {
          if (t !== "<key>") throw new PlistError(`expected <key>, got ${t.slice(0, 20)}`);
          const key = text("key");
          out[key] = value(next());
        }
        return out;
      }
      default:
        throw new PlistError(`unsupported plist element ${open.slice(0, 20)}`);
    }
  };
  if (next() !== '<plist version="1.0">') throw new PlistError("not a plist document");
  return value(next());
}

export class PlistError extends Error {
  override name = "PlistError";
}
