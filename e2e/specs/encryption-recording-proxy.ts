import net from "node:net";

/** Every byte that crossed one recording proxy, per direction. */
export interface Capture {
  /** Bytes from the dialing side (client/provider) to the coordinator. */
  up: Buffer[];
  /** Bytes from the coordinator back to the dialing side. */
  down: Buffer[];
}

/**
 * A TCP proxy on a free loopback port that forwards to `target` and records both directions of
 * every connection. Used to capture what the coordinator process receives and sends.
 */
export class RecordingProxy {
  readonly capture: Capture = { up: [], down: [] };
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.relay(client));
  }

  static async start(targetUrl: string): Promise<RecordingProxy> {
    const u = new URL(targetUrl);
    const proxy = new RecordingProxy({ host: u.hostname, port: Number(u.port) });
    await new Promise<void>((resolve, reject) => {
      proxy.server.once("error", reject);
      proxy.server.listen(0, "127.0.0.1", () => resolve());
    });
    return proxy;
  }

  get url(): string {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("proxy not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  /** All recorded bytes of both directions, concatenated per direction. */
  bytes(): { up: Buffer; down: Buffer } {
    return { up: Buffer.concat(this.capture.up), down: Buffer.concat(this.capture.down) };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    client.on("data", (b: Buffer) => {
      this.capture.up.push(Buffer.from(b));
      upstream.write(b);
    });
    upstream.on("data", (b: Buffer) => {
      this.capture.down.push(Buffer.from(b));
      client.write(b);
    });
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on("close", closeBoth);
    upstream.on("close", closeBoth);
    client.on("error", closeBoth);
    upstream.on("error", closeBoth);
  }
}

/**
 * The forms a leaked text could take on the wire: UTF-8, JSON-escaped, UTF-16 (LE/BE), and
 * base64 (standard and URL-safe) at each of the three byte alignments.
 */
export function leakForms(text: string): Buffer[] {
  const utf8 = Buffer.from(text, "utf8");
  const utf16be = Buffer.from(text, "utf16le").swap16();
  const forms = [utf8, Buffer.from(text, "utf16le"), utf16be];
  // As a JSON string value (quotes, backslashes, control characters escaped).
  const jsonEscaped = JSON.stringify(text).slice(1, -1);
  if (jsonEscaped !== text) forms.push(Buffer.from(jsonEscaped, "utf8"));
  for (let shift = 0; shift < 3; shift++) {
    // base64 of the text preceded by `shift` bytes: drop the characters that mix in neighbours.
    const b64 = Buffer.concat([Buffer.alloc(shift), utf8]).toString("base64");
    const start = [0, 2, 3][shift] ?? 0;
    const usable = b64.slice(start, b64.length - 4);
    if (usable.length >= 8) {
      forms.push(Buffer.from(usable));
      forms.push(Buffer.from(usable.replaceAll("+", "-").replaceAll("/", "_")));
    }
  }
  return forms;
}

/** Names of the captures in which some form of `text` appears. */
export function findLeaks(text: string, captures: Record<string, Buffer>): string[] {
  const found: string[] = [];
  for (const [name, bytes] of Object.entries(captures)) {
    if (leakForms(text).some((f) => bytes.includes(f))) found.push(name);
  }
  return found;
}
