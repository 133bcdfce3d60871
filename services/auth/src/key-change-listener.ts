// One Postgres connection per replica that LISTENs for API key and account changes (migration
// 007 notifies them from triggers) and reconnects when it drops.
import pg, { type Client } from "pg";

export const KEY_CHANGES_CHANNEL = "darkbloom_api_keys";

export type KeyChangeHandlers = {
  /** A notification's payload: `key:<hex hash>` or `account:<id>`. */
  readonly onChange: (payload: string) => void;
  /**
   * Changes may have been missed: the connection dropped (or LISTEN just started again). Called
   * before {@link KeyChangeListener.listening} turns false and again when it turns true.
   */
  readonly onInterrupted: () => void;
  /** The connection failed or dropped; it is retried after `retryMs`. */
  readonly onError: (error: unknown) => void;
};

type ListenerState =
  | { readonly kind: "idle" }
  | { readonly kind: "connecting"; readonly client: Client }
  | { readonly kind: "listening"; readonly client: Client }
  | { readonly kind: "waiting"; readonly timer: NodeJS.Timeout }
  | { readonly kind: "closed" };

export class KeyChangeListener {
  private state: ListenerState = { kind: "idle" };

  constructor(
    private readonly databaseUrl: string,
    private readonly handlers: KeyChangeHandlers,
    private readonly retryMs = 500,
  ) {}

  /** True while changes are being received: only then may verified keys be served from memory. */
  get listening(): boolean {
    return this.state.kind === "listening";
  }

  /** Connects and LISTENs; resolves once listening or after the first failure (retried later). */
  async start(): Promise<void> {
    if (this.state.kind === "idle") await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: "darkbloom-key-changes",
    });
    this.state = { kind: "connecting", client };
    client.on("notification", (message) => {
      if (message.channel === KEY_CHANGES_CHANNEL && message.payload !== undefined)
        this.handlers.onChange(message.payload);
    });
    client.on("error", (error) => this.dropped(client, error));
    client.on("end", () => this.dropped(client, new Error("LISTEN connection ended")));
    try {
      await client.connect();
      await client.query(`LISTEN ${KEY_CHANGES_CHANNEL}`);
    } catch (error) {
      this.dropped(client, error);
      return;
    }
    if (this.state.kind !== "connecting" || this.state.client !== client) return;
    // Whatever changed while nobody listened is unknown: forget it before serving from memory.
    this.handlers.onInterrupted();
    this.state = { kind: "listening", client };
  }

  private dropped(client: Client, error: unknown): void {
    const current = this.state;
    if (
      (current.kind !== "connecting" && current.kind !== "listening") ||
      current.client !== client
    )
      return;
    this.handlers.onInterrupted();
    this.handlers.onError(error);
    void client.end().catch(() => undefined);
    const timer = setTimeout(() => void this.connect(), this.retryMs);
    this.state = { kind: "waiting", timer };
  }

  async close(): Promise<void> {
    const current = this.state;
    this.state = { kind: "closed" };
    if (current.kind === "waiting") clearTimeout(current.timer);
    if (current.kind === "connecting" || current.kind === "listening") await current.client.end();
  }
}
