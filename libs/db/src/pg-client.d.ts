// The few parts of node-postgres (a dependency of slonik) the LISTEN connection uses; pg ships no types.
declare module "pg" {
  interface Notification {
    channel: string;
    payload?: string;
  }
  export class Client {
    constructor(config: { connectionString: string });
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
