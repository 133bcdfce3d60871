import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";

/**
 * A static file host (what a CDN or object store is to the network) over real HTTP with `Range`:
 * serves `<dir>/<name>` at `/<name>`, for model downloads and release artifacts in e2e specs.
 */
export class FakeFileHost {
  readonly requests: Array<{ path: string; range: string | undefined }> = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly dir: string) {
    this.server = createServer((req, res) => {
      const name = path.basename(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
      this.requests.push({ path: name, range: req.headers.range });
      const file = path.join(this.dir, name);
      stat(file).then(
        (st) => {
          const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
          const start = m ? Number(m[1]) : 0;
          res.writeHead(m ? 206 : 200, {
            "content-length": String(st.size - start),
            ...(m ? { "content-range": `bytes ${start}-${st.size - 1}/${st.size}` } : {}),
          });
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
