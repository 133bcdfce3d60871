// The whole public surface of @darkbloom/testing (tests and e2e only).
export {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from "./embedded-postgres.js";
export { startTestDatabase, type TestDatabase, type TestDatabaseOptions } from "./test-database.js";
export { sequentialReads } from "./sequential-reads.js";
export { pickFreePort as freePort } from "@darkbloom/db";
export { FakeProvider, type FakeProviderOptions, type FakeReply } from "./fakes/fake-provider.js";
export {
  OVERSTATED_TOKENS,
  fakeLyingProvider,
  overbillingReply,
} from "./fakes/fake-lying-provider.js";
export {
  FakeStripe,
  type FakeStripeOptions,
  type InjectedFailure,
  type SentWebhook,
} from "./fakes/fake-stripe.js";
export { FakeFileHost, type FakeFileHostOptions } from "./fakes/fake-file-host.js";
export { kubeTools, type KubeTools } from "./kube-tools.js";
export {
  FakeOidcProvider,
  type FakeOidcProviderOptions,
  type FakeOidcUser,
} from "./fakes/fake-oidc-provider.js";
export { signInWithOidc, type OidcSignInResult } from "./oidc-sign-in.js";
