// The fake Stripe's hosted Checkout page (`session.url`): a browser opens it, sees the amount,
// presses Pay (the session is paid and `checkout.session.completed` is sent to the webhook) or
// Cancel, and is sent back to the session's success or cancel URL, as Stripe does.
import type { StripeObject } from "./fake-stripe-connect.js";

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page of an open session (GET /c/pay/{id}). */
export function checkoutPageHtml(session: StripeObject): string {
  const cents = Number(session.amount_total ?? 0);
  const amount = `$${(cents / 100).toFixed(2)}`;
  const id = escape(String(session.id));
  const paid = session.payment_status === "paid";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fake Stripe Checkout</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 2rem auto; padding: 1rem">
<main>
<h1>Fake Stripe Checkout</h1>
<p>Darkbloom credit: <strong data-testid="checkout-amount">${amount}</strong></p>
${
  paid
    ? "<p>This session is already paid.</p>"
    : `<form method="post" action="/c/pay/${id}"><button type="submit" name="action" value="pay">Pay ${amount}</button>
<button type="submit" name="action" value="cancel">Cancel</button></form>`
}
</main></body></html>`;
}
