import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";

export interface FakeFileHostOptions {
  /** Folder whose files are served at `/files/<name>` (and at `/<name>`). */
  dir: string;
  /** JSON served at `/manifest.json` (set after start, once the base URL is known). */
  manifest?: unknown;
  /** The first GET of this file is cut after `cutAfterBytes` bytes (socket destroyed). */
  cut?: { file: string; cutAfterBytes: number };
}

/**
 * A static file host (what a CDN or object store is to the network) over real HTTP with `Range`,
 * for model downloads and release artifacts; can cut one download midway to test resume.
 */
export class FakeFileHost {
  readonly requests: Array<{ path: string; range: string | undefined }> = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private cutDone = false;

  constructor(readonly options: FakeFileHostOptions) {
    this.server = createServer((req, res) => {
      const url = req.url ?? "/";
      this.requests.push({ path: url, range: req.headers.range });
      if (url === "/manifest.json") {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(this.options.manifest ?? null));
        return;
      }
      const name = decodeURIComponent(url.replace(/^\/files\//, ""));
      const file = path.join(options.dir, path.basename(name));
      stat(file).then(
        (st) => {
          const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
          const start = m ? Number(m[1]) : 0;
          res.statusCode = m ? 206 : 200;
          res.setHeader("content-length", String(st.size - start));
          if (m) res.setHeader("content-range", `bytes ${start}-${st.size - 1}/${st.size}`);
          const cut = options.cut;
          if (cut && !this.cutDone && cut.file === path.basename(name)) {
            this.cutDone = true;
            res.flushHeaders();
            const partial = createReadStream(file, { start, end: start + cut.cutAfterBytes - 1 });
            partial.on("data", (c) => res.write(c));
            partial.on("end", () => setTimeout(() => req.socket.destroy(), 20));
            return;
          }
          createReadStream(file, { start }).pipe(res);
        },
        () => {
          res.statusCode = 404;
          res.end();
        },
      );
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.once("close", () => this.sockets.delete(s));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
