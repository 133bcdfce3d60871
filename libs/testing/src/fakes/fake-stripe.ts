// A local Stripe for tests: the real `stripe` client talks to it over HTTP (configure the client
// with `fake.clientConfig()`), it answers in Stripe's JSON shapes and error format, and it sends
// webhooks signed with Stripe's scheme (`Stripe-Signature: t=…,v1=HMAC-SHA256(secret, t.body)`).
// Covers: Checkout Sessions (create, retrieve, and the hosted page at `session.url`, which
// pays and sends the webhook to `checkoutWebhookUrl`; fake-stripe-checkout-page.ts), Transfers (create, with Idempotency-Key), Connect
// accounts and Account Links (fake-stripe-connect.ts), and injected failures (5xx, dropped
// connections) that happen before Stripe's idempotency layer, as a load balancer's would.
// Over 300 lines: one fake server whose routes share its state; the shapes live in helpers.
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkoutPageHtml } from "./fake-stripe-checkout-page.js";
import {
  newAccount,
  newAccountLink,
  onboardingPageHtml,
  StripeApiError,
  type StripeObject,
} from "./fake-stripe-connect.js";
import { formString, parseStripeForm, type FormObject } from "./fake-stripe-form.js";

export type FakeStripeOptions = {
  /** The API key clients must send (default `sk_test_fake`). */
  readonly secretKey?: string;
  /** `whsec_…` used to sign webhooks. */
  readonly webhookSecret: string;
};
/** How an injected failure looks to the client. */
export type InjectedFailure = "server_error" | "disconnect";
export type SentWebhook = {
  readonly eventId: string;
  readonly status: number;
  readonly body: string;
};

export class FakeStripe {
  readonly secretKey: string;
  readonly sessions = new Map<string, StripeObject>();
  readonly transfers = new Map<string, StripeObject>();
  readonly events = new Map<string, StripeObject>();
  readonly accounts = new Map<string, StripeObject>();
  private readonly failures: { method: string; path: string; how: InjectedFailure }[] = [];
  private readonly failingDestinations = new Set<string>();
  private readonly idempotent = new Map<string, { status: number; body: string }>();
  /** Account Links by their hosted page's path: where the page sends the operator back. */
  private readonly links = new Map<string, { account: string; returnUrl: string }>();
  private state: "listening" | "closed" = "listening";
  /** Where the hosted Checkout page sends `checkout.session.completed` when Pay is pressed. */
  checkoutWebhookUrl = "";

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly webhookSecret: string,
    secretKey: string,
  ) {
    this.secretKey = secretKey;
  }

  static async start(options: FakeStripeOptions): Promise<FakeStripe> {
    const holder: { fake?: FakeStripe } = {};
    const server = createServer((req, res) => {
      const fake = holder.fake;
      if (fake === undefined) return void res.writeHead(503).end();
      fake.serve(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { type: "api_error", message: String(error) } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeStripe(
      server,
      port,
      options.webhookSecret,
      options.secretKey ?? "sk_test_fake",
    );
    holder.fake = fake;
    return fake;
  }

  /** Options for `new Stripe(key, …)` that point the real client here. */
  clientConfig(): { host: string; port: number; protocol: "http"; maxNetworkRetries: number } {
    return { host: "127.0.0.1", port: this.port, protocol: "http", maxNetworkRetries: 0 };
  }

  /** A connected (Express) account that can receive transfers. */
  createConnectedAccount(): string {
    const account = newAccount({}, true);
    this.accounts.set(account.id, account);
    return account.id;
  }

  /** The next `count` requests to `method path` fail this way (then requests succeed again). */
  failNext(method: string, path: string, count: number, how: InjectedFailure): void {
    for (let i = 0; i < count; i++) this.failures.push({ method, path, how });
  }

  /** The operator finished onboarding: payouts are enabled and `account.updated` is sent. */
  async completeOnboarding(accountId: string, webhookUrl: string): Promise<SentWebhook> {
    const account = this.found(this.accounts, accountId);
    Object.assign(account, {
      charges_enabled: true,
      payouts_enabled: true,
      details_submitted: true,
    });
    return this.sendEvent("account.updated", account, webhookUrl);
  }

  /** Transfers to this account fail with Stripe's error shape (e.g. payouts disabled). */
  failTransfersTo(accountId: string): void {
    this.failingDestinations.add(accountId);
  }

  /** The customer pays: the session becomes paid and `checkout.session.completed` is sent. */
  async payCheckout(sessionId: string, webhookUrl: string): Promise<SentWebhook> {
    const session = this.sessions.get(sessionId);
    if (session === undefined) throw new Error(`no session ${sessionId}`);
    Object.assign(session, { status: "complete", payment_status: "paid" });
    return this.sendEvent("checkout.session.completed", session, webhookUrl);
  }

  /** The platform reverses a transfer: `transfer.reversed` is sent. */
  async reverseTransfer(transferId: string, webhookUrl: string): Promise<SentWebhook> {
    const transfer = this.transfers.get(transferId);
    if (transfer === undefined) throw new Error(`no transfer ${transferId}`);
    Object.assign(transfer, { reversed: true, amount_reversed: transfer.amount });
    return this.sendEvent("transfer.reversed", transfer, webhookUrl);
  }

  /** Delivers an already sent event again, freshly signed (Stripe retries look like this). */
  async resendEvent(eventId: string, webhookUrl: string): Promise<SentWebhook> {
    const event = this.events.get(eventId);
    if (event === undefined) throw new Error(`no event ${eventId}`);
    return this.deliver(event, webhookUrl, this.webhookSecret);
  }

  /** Builds and delivers an event; `secret` overrides the signing secret (to test forgeries). */
  async sendEvent(
    type: string,
    object: StripeObject,
    webhookUrl: string,
    secret = this.webhookSecret,
  ): Promise<SentWebhook> {
    const event: StripeObject = {
      id: `evt_${randomBytes(12).toString("hex")}`,
      object: "event",
      api_version: "2025-01-27.acacia",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object: structuredClone(object) },
    };
    this.events.set(event.id, event);
    return this.deliver(event, webhookUrl, secret);
  }

  /** Stripe's signature header for this payload. */
  signature(
    payload: string,
    secret = this.webhookSecret,
    timestamp = Math.floor(Date.now() / 1000),
  ): string {
    const v1 = createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex");
    return `t=${timestamp},v1=${v1}`;
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async deliver(event: StripeObject, url: string, secret: string): Promise<SentWebhook> {
    const payload = JSON.stringify(event, null, 2);
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "stripe-signature": this.signature(payload, secret),
      },
      body: payload,
    });
    return { eventId: event.id, status: response.status, body: await response.text() };
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const form = parseStripeForm(Buffer.concat(chunks).toString("utf8"));
    const path = new URL(req.url ?? "/", "http://stripe").pathname;
    const hosted = /^\/c\/pay\/([^/]+)$/.exec(path)?.[1];
    if (hosted !== undefined) return this.servePage(req, res, hosted, form);
    if (path.startsWith("/setup/e/")) return this.serveOnboarding(req, res, path);
    const index = this.failures.findIndex((f) => f.method === req.method && f.path === path);
    const how = index >= 0 ? this.failures.splice(index, 1)[0]?.how : undefined;
    if (how !== undefined) {
      if (how === "disconnect") return void req.socket.destroy();
      res.writeHead(500, { "content-type": "application/json" });
      const error = { type: "api_error", message: "An unknown error occurred" };
      return void res.end(JSON.stringify({ error }));
    }
    const idempotencyKey = req.headers["idempotency-key"];
    const replay =
      typeof idempotencyKey === "string" ? this.idempotent.get(idempotencyKey) : undefined;
    const answer = replay ?? this.answer(req.method ?? "GET", path, req, form);
    if (typeof idempotencyKey === "string") this.idempotent.set(idempotencyKey, answer);
    res.writeHead(answer.status, {
      "content-type": "application/json",
      "request-id": `req_${randomBytes(8).toString("hex")}`,
      ...(replay === undefined ? {} : { "idempotent-replayed": "true" }),
    });
    res.end(answer.body);
  }

  /**
   * The hosted Connect onboarding page: no API key (a browser opens it); submitting it completes
   * onboarding (`account.updated` to `checkoutWebhookUrl`, the same webhook endpoint) and sends
   * the operator back to the link's return URL, as Stripe does.
   */
  private async serveOnboarding(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<void> {
    const link = this.links.get(path);
    const account = link === undefined ? undefined : this.accounts.get(link.account);
    if (link === undefined || account === undefined)
      return void res.writeHead(404).end("no such account link");
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return void res.end(onboardingPageHtml(account, path));
    }
    if (req.method !== "POST") return void res.writeHead(405).end();
    if (this.checkoutWebhookUrl === "") throw new Error("set checkoutWebhookUrl first");
    await this.completeOnboarding(account.id, this.checkoutWebhookUrl);
    res.writeHead(303, { location: link.returnUrl });
    res.end();
  }

  /** The hosted Checkout page: no API key (a browser opens it); Pay or Cancel redirect back. */
  private async servePage(
    req: IncomingMessage,
    res: ServerResponse,
    sessionId: string,
    form: FormObject,
  ): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return void res.writeHead(404).end("no such checkout session");
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return void res.end(checkoutPageHtml(session));
    }
    if (req.method !== "POST") return void res.writeHead(405).end();
    if (formString(form, "action") === "cancel") {
      res.writeHead(303, { location: String(session.cancel_url ?? session.success_url) });
      return void res.end();
    }
    if (session.payment_status !== "paid") {
      if (this.checkoutWebhookUrl === "") throw new Error("set checkoutWebhookUrl first");
      await this.payCheckout(sessionId, this.checkoutWebhookUrl);
    }
    res.writeHead(303, { location: String(session.success_url) });
    res.end();
  }

  private answer(
    method: string,
    path: string,
    req: IncomingMessage,
    form: FormObject,
  ): { status: number; body: string } {
    try {
      if (req.headers.authorization !== `Bearer ${this.secretKey}`) {
        throw new StripeApiError(
          401,
          "invalid_request_error",
          "api_key_invalid",
          "Invalid API Key provided.",
        );
      }
      return { status: 200, body: JSON.stringify(this.route(method, path, form)) };
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      const body = {
        error: { type: error.type, code: error.code, message: error.message, param: error.param },
      };
      return { status: error.status, body: JSON.stringify(body) };
    }
  }

  private route(method: string, path: string, form: FormObject): Record<string, unknown> {
    const sessionMatch = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === "POST" && path === "/v1/checkout/sessions") return this.createSession(form);
    if (method === "GET" && sessionMatch?.[1] !== undefined)
      return this.found(this.sessions, sessionMatch[1]);
    if (method === "POST" && path === "/v1/transfers") return this.createTransfer(form);
    const accountMatch = /^\/v1\/accounts\/([^/]+)$/.exec(path);
    if (method === "POST" && path === "/v1/accounts") {
      const account = newAccount(form, false);
      this.accounts.set(account.id, account);
      return account;
    }
    if (method === "GET" && accountMatch?.[1] !== undefined)
      return this.found(this.accounts, accountMatch[1]);
    if (method === "POST" && path === "/v1/account_links") {
      const link = newAccountLink(form, this.accounts, this.port);
      this.links.set(new URL(String(link.url)).pathname, {
        account: formString(form, "account") ?? "",
        returnUrl: formString(form, "return_url") ?? "",
      });
      return link;
    }
    throw new StripeApiError(
      404,
      "invalid_request_error",
      "resource_missing",
      `Unrecognized request URL (${method}: ${path}).`,
    );
  }

  private createSession(form: FormObject): StripeObject {
    const unitAmount = Number(formString(form, "line_items", 0, "price_data", "unit_amount"));
    const quantity = Number(formString(form, "line_items", 0, "quantity") ?? "1");
    if (!Number.isInteger(unitAmount) || unitAmount <= 0) {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        "parameter_missing",
        "Missing required param: line_items[0][price_data][unit_amount].",
        "line_items[0][price_data][unit_amount]",
      );
    }
    for (const param of ["success_url", "mode"]) {
      if (formString(form, param) === undefined) {
        throw new StripeApiError(
          400,
          "invalid_request_error",
          "parameter_missing",
          `Missing required param: ${param}.`,
          param,
        );
      }
    }
    const id = `cs_test_${randomBytes(16).toString("hex")}`;
    const session: StripeObject = {
      id,
      object: "checkout.session",
      amount_subtotal: unitAmount * quantity,
      amount_total: unitAmount * quantity,
      client_reference_id: formString(form, "client_reference_id") ?? null,
      currency: formString(form, "line_items", 0, "price_data", "currency") ?? "usd",
      livemode: false,
      metadata: typeof form.metadata === "object" ? form.metadata : {},
      mode: formString(form, "mode"),
      payment_status: "unpaid",
      status: "open",
      success_url: formString(form, "success_url"),
      cancel_url: formString(form, "cancel_url") ?? null,
      url: `http://127.0.0.1:${this.port}/c/pay/${id}`,
    };
    this.sessions.set(id, session);
    return session;
  }

  private createTransfer(form: FormObject): StripeObject {
    const amount = Number(formString(form, "amount"));
    const destination = formString(form, "destination") ?? "";
    if (!Number.isInteger(amount) || amount <= 0) {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        "parameter_invalid_integer",
        "Invalid positive integer",
        "amount",
      );
    }
    if (!this.accounts.has(destination)) {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        "resource_missing",
        `No such destination: '${destination}'`,
        "destination",
      );
    }
    if (this.failingDestinations.has(destination)) {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        "transfers_not_allowed",
        "The destination account cannot receive transfers.",
        "destination",
      );
    }
    const transfer: StripeObject = {
      id: `tr_${randomBytes(12).toString("hex")}`,
      object: "transfer",
      amount,
      amount_reversed: 0,
      currency: formString(form, "currency") ?? "usd",
      destination,
      livemode: false,
      metadata: typeof form.metadata === "object" ? form.metadata : {},
      reversed: false,
      created: Math.floor(Date.now() / 1000),
    };
    this.transfers.set(transfer.id, transfer);
    return transfer;
  }

  private found(map: Map<string, StripeObject>, id: string): StripeObject {
    const object = map.get(id);
    if (object === undefined) {
      throw new StripeApiError(
        404,
        "invalid_request_error",
        "resource_missing",
        `No such object: '${id}'`,
        "id",
      );
    }
    return object;
  }
}
