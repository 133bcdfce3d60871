// The few parts of node-postgres (the driver under slonik) that LISTEN connections use (presence,
// API-key changes); pg ships no types of its own.
declare module "pg" {
  interface Notification {
    channel: string;
    payload?: string;
  }
  export class Client {
    constructor(config: { connectionString: string; application_name?: string });
    connect(): Promise<void>;
    query(text: string): Promise<unknown>;
    end(): Promise<void>;
    on(event: "notification", listener: (n: Notification) => void): this;
    on(event: "error", listener: (err: Error) => void): this;
    on(event: "end", listener: () => void): this;
  }
  const pg: { Client: typeof Client };
  export default pg;
}
