// The overhead bench's floor (`npm run bench:overhead -- --floor`): the least a Node.js gateway
// can do, in a process of its own like the coordinator — pass each request to the upstream over a
// keep-alive pool and pipe the answer back, nothing else (no auth, money, routing or crypto).
// What it adds over the direct path is what any Node gateway on this machine adds before doing
// any work of its own. Usage: bare-proxy-main.ts <upstream base URL>; prints its URL.
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

const upstream = new URL(process.argv[2] ?? "");
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, noDelay: true });

const server = createServer((req, res) => {
  const out = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on("error", () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(out);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`bare proxy listening on http://127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  agent.destroy();
});
