// The console (Angular build output) at /console: static files with their content types, the
// SPA's index.html for deep links, immutable caching for content-hashed assets, and /device (the
// link `darkbloom login` prints) redirected to the console's device page.
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { HttpRoute } from "@darkbloom/http-body";

export const CONSOLE_PATH = "/console";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".webmanifest": "application/manifest+json",
};

/** Angular's output hashing: `main-5XQ2L3ZP.js`, `chunk-ABCDEFGH.js`, `styles-ABCDEFGH.css`. */
const HASHED = /-[A-Z0-9]{8}\.(?:js|mjs|css)$/;

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  // The device page approves a machine for the signed-in account: never inside another site's frame.
  "x-frame-options": "DENY",
  "content-security-policy": "frame-ancestors 'none'",
  "referrer-policy": "same-origin",
};

/** The front door's routes serving the console build in `dir` (the folder holding index.html). */
export function createConsoleRoutes(dir: string): HttpRoute[] {
  const root = path.resolve(dir);

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: Buffer | string,
    headers: Record<string, string>,
  ): void {
    const data = typeof body === "string" ? Buffer.from(body) : body;
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      ...headers,
      "content-length": String(data.length),
    });
    res.end(req.method === "HEAD" ? undefined : data);
  }

  async function isFile(file: string): Promise<boolean> {
    try {
      return (await stat(file)).isFile();
    } catch {
      return false;
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://console");
    if (url.pathname === "/device") {
      return send(req, res, 302, "", { location: `${CONSOLE_PATH}/device${url.search}` });
    }
    if (url.pathname === CONSOLE_PATH)
      return send(req, res, 301, "", { location: `${CONSOLE_PATH}/${url.search}` });
    // Dot segments are resolved by the URL parser: what is left must still be under /console/.
    if (!url.pathname.startsWith(`${CONSOLE_PATH}/`))
      return send(req, res, 404, "not found\n", { "content-type": "text/plain" });

    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname.slice(CONSOLE_PATH.length + 1));
    } catch {
      return send(req, res, 400, "bad path\n", { "content-type": "text/plain" });
    }
    const file = path.resolve(root, relative);
    if (relative.includes("\0") || (file !== root && !file.startsWith(root + path.sep)))
      return send(req, res, 404, "not found\n", { "content-type": "text/plain" });

    const extension = path.extname(file).toLowerCase();
    if (relative !== "" && (await isFile(file))) {
      return send(req, res, 200, await readFile(file), {
        "content-type": CONTENT_TYPES[extension] ?? "application/octet-stream",
        "cache-control": HASHED.test(file)
          ? "public, max-age=31536000, immutable"
          : extension === ".html"
            ? "no-cache"
            : "public, max-age=300",
      });
    }
    // A missing asset is a 404; any other path is a route of the app: its index.html.
    if (extension !== "" && extension !== ".html")
      return send(req, res, 404, "not found\n", { "content-type": "text/plain" });
    const index = path.join(root, "index.html");
    if (!(await isFile(index)))
      return send(
        req,
        res,
        503,
        "The console is not built: run `npm run build --prefix console` (npm start does it).\n",
        { "content-type": "text/plain; charset=utf-8" },
      );
    return send(req, res, 200, await readFile(index), {
      "content-type": CONTENT_TYPES[".html"] ?? "text/html",
      "cache-control": "no-cache",
    });
  }

  const route = (path: string): HttpRoute => ({
    methods: ["GET", "HEAD"],
    path,
    routeClass: "none",
    handle: ({ req, res }) => serve(req, res),
  });
  return [route("/device"), route(CONSOLE_PATH), route(`${CONSOLE_PATH}/*`)];
}
