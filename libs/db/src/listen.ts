import pg from "pg";

export interface Listener {
  close(): Promise<void>;
}

export interface ListenHooks {
  onNotify(payload: string): void;
  /** The connection failed or ended (notifications may have been missed; it reconnects). */
  onLost?(err: unknown): void;
  /** (Re)connected and listening: anything sent while it was away was missed. */
  onListening?(): void;
}

const RECONNECT_MS = 1_000;

/**
 * LISTEN on one channel over its own connection (slonik's pool has no notification API). The
 * connection is re-opened after a failure; callers treat `onListening` as "reload everything".
 */
export async function listenChannel(
  databaseUrl: string,
  channel: string,
  hooks: ListenHooks,
): Promise<Listener> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new TypeError(`bad channel name ${channel}`);
  let closed = false;
  let client: InstanceType<typeof pg.Client> | undefined;
  let retry: NodeJS.Timeout | undefined;
  const open = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    client = c;
    let lost = false;
    const onLost = (err: unknown): void => {
      if (lost || closed) return;
      lost = true;
      hooks.onLost?.(err);
      void c.end().catch(() => undefined);
      retry = setTimeout(() => void open().catch(onLost), RECONNECT_MS);
    };
    c.on("notification", (n) => {
      if (n.channel === channel) hooks.onNotify(n.payload ?? "");
    });
    c.on("error", onLost);
    c.on("end", () => onLost(new Error("listen connection ended")));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      onLost(err);
      throw err;
    }
    if (closed) return void (await c.end());
    hooks.onListening?.();
  };
  try {
    await open();
  } catch (err) {
    // The caller gets no Listener to close: stop reconnecting on its behalf.
    closed = true;
    clearTimeout(retry);
    throw err;
  }
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
