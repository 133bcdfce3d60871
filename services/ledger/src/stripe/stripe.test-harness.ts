import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { FakeStripe } from "@darkbloom/testing";
import Stripe from "stripe";
import { startLedgerHarness, type LedgerHarness } from "../ledger.test-harness.js";
import type { StripeSettings } from "./stripe-settings.js";
import { handleStripeWebhook } from "./webhook.js";

/** A ledger on real Postgres, the real stripe client on a fake Stripe, and a webhook receiver. */
export interface StripeTestEnv {
  harness: LedgerHarness;
  fake: FakeStripe;
  settings: StripeSettings;
  /** Where the fake Stripe delivers signed events (the webhook endpoint as the edge runs it). */
  webhookUrl: string;
  close(): Promise<void>;
}

export async function startStripeTestEnv(webhookSecret: string): Promise<StripeTestEnv> {
  const harness = await startLedgerHarness(8);
  const fake = await FakeStripe.start({ webhookSecret });
  const settings: StripeSettings = {
    client: new Stripe(fake.secretKey, fake.clientConfig()),
    webhookSecret,
    checkoutSuccessUrl: "https://console.example/paid",
    checkoutCancelUrl: "https://console.example/cancelled",
    connectReturnUrl: "https://console.example/onboarded",
    connectRefreshUrl: "https://console.example/onboard",
  };
  // Raw body + signature header into the ledger; a refused signature is a 400 as at the edge.
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const signature = String(req.headers["stripe-signature"] ?? "");
      handleStripeWebhook(harness.db.pool, settings, Buffer.concat(chunks), signature)
        .then((outcome) => res.writeHead(200).end(JSON.stringify(outcome)))
        .catch((error: unknown) =>
          res.writeHead(ConnectError.from(error).code === Code.InvalidArgument ? 400 : 500).end(),
        );
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  return {
    harness,
    fake,
    settings,
    webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook`,
    async close() {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await fake.close();
      await harness.db.stop();
    },
  };
}
