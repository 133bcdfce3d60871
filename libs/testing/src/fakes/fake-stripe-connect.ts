// Stripe Connect shapes for the fake Stripe: Express accounts (`POST /v1/accounts`) and
// Account Links (`POST /v1/account_links`), as Stripe returns them.
import { randomBytes } from "node:crypto";
import { formString, type FormObject } from "./fake-stripe-form.js";

export type StripeObject = Record<string, unknown> & { id: string };

/** A Stripe error answer (status, type, code, message, param). */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/** A new connected account; `onboarded` ones can receive payouts at once. */
export function newAccount(form: FormObject, onboarded: boolean): StripeObject {
  return {
    id: `acct_${randomBytes(8).toString("hex")}`,
    object: "account",
    type: formString(form, "type") ?? "express",
    charges_enabled: onboarded,
    payouts_enabled: onboarded,
    details_submitted: onboarded,
    metadata: typeof form.metadata === "object" ? form.metadata : {},
    created: Math.floor(Date.now() / 1000),
  };
}

/** An Account Link to the hosted onboarding of an existing account (expires in 5 minutes). */
export function newAccountLink(
  form: FormObject,
  accounts: ReadonlyMap<string, StripeObject>,
  port: number,
): Record<string, unknown> {
  for (const param of ["account", "type", "return_url", "refresh_url"]) {
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
  const account = formString(form, "account") ?? "";
  if (!accounts.has(account)) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "resource_missing",
      `No such account: '${account}'`,
      "account",
    );
  }
  const created = Math.floor(Date.now() / 1000);
  return {
    object: "account_link",
    created,
    expires_at: created + 300,
    url: `http://127.0.0.1:${port}/setup/e/${account}/${randomBytes(8).toString("hex")}`,
  };
}

/** The hosted onboarding page of an Account Link (GET /setup/e/{account}/{token}). */
export function onboardingPageHtml(account: StripeObject, path: string): string {
  const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const done = account.payouts_enabled === true;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fake Stripe Connect onboarding</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 2rem auto; padding: 1rem">
<main>
<h1>Fake Stripe Connect onboarding</h1>
<p>Connected account <code data-testid="connect-account">${esc(account.id)}</code></p>
${
  done
    ? "<p>This account is already onboarded.</p>"
    : `<form method="post" action="${esc(path)}"><button type="submit">Agree and submit</button></form>`
}
</main></body></html>`;
}
