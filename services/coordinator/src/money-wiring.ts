// Builds the money settings (Stripe client, session-JWT options) from the coordinator config.
import type { JwtSessionOptions } from "@darkbloom/auth";
import type { StripeSettings } from "@darkbloom/ledger";
import Stripe from "stripe";
import type { CoordinatorConfig } from "./config.js";

/** Stripe when a secret key and a webhook secret are configured; otherwise billing is off. */
export function stripeSettings(money: CoordinatorConfig["money"]): StripeSettings | undefined {
  if (money.stripeSecretKey === "" || money.stripeWebhookSecret === "") return undefined;
  const api = money.stripeApiUrl === "" ? undefined : new URL(money.stripeApiUrl);
  const client = new Stripe(
    money.stripeSecretKey,
    api === undefined
      ? {}
      : {
          host: api.hostname,
          port: api.port === "" ? (api.protocol === "http:" ? 80 : 443) : Number(api.port),
          protocol: api.protocol === "http:" ? "http" : "https",
        },
  );
  return {
    client,
    webhookSecret: money.stripeWebhookSecret,
    checkoutSuccessUrl: money.checkoutSuccessUrl,
    checkoutCancelUrl: money.checkoutCancelUrl,
    connectReturnUrl: money.connectReturnUrl,
    connectRefreshUrl: money.connectRefreshUrl,
  };
}

/** Session JWT verification when an issuer and at least one key are configured. */
export function jwtSessionOptions(jwt: CoordinatorConfig["jwt"]): JwtSessionOptions | undefined {
  if (jwt.issuer === "" || (jwt.hs256Secret === "" && jwt.es256PublicKeyPem === ""))
    return undefined;
  return {
    issuer: jwt.issuer,
    audience: jwt.audience,
    ...(jwt.hs256Secret === "" ? {} : { hs256Secret: jwt.hs256Secret }),
    ...(jwt.es256PublicKeyPem === "" ? {} : { es256PublicKeyPem: jwt.es256PublicKeyPem }),
  };
}
