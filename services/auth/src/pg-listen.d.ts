// The part of node-postgres (`pg`, the driver under slonik) that a LISTEN connection uses; pg
// ships no types of its own. Only key-change-listener.ts imports it.
declare module "pg" {
  export type Notification = { readonly channel: string; readonly payload?: string };
  export class Client {
    constructor(config: { readonly connectionString: string; readonly application_name?: string });
    connect(): Promise<void>;
    query(text: string): Promise<unknown>;
    end(): Promise<void>;
    on(event: "notification", listener: (message: Notification) => void): this;
    on(event: "error", listener: (error: Error) => void): this;
    on(event: "end", listener: () => void): this;
  }
  const pg: { readonly Client: typeof Client };
  export default pg;
}
