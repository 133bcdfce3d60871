// A TCP port that was free a moment ago on 127.0.0.1 (bind port 0, read it, close).
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve, reject) =>
    server.close((err) => (err ? reject(err) : resolve())),
  );
  if (address === null || typeof address === "string") {
    throw new Error(`freePort: unexpected server address ${String(address)}`);
  }
  return address.port;
}
