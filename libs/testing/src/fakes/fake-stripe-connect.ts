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
