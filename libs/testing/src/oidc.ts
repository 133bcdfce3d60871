// @darkbloom/testing/oidc: a real OpenID Provider for sign-in tests and a browserless sign-in.
// Its own entry point: `oidc-provider` is loaded only by the tests that use it.
export {
  FakeOidcProvider,
  type FakeOidcProviderOptions,
  type FakeOidcUser,
} from "./fakes/fake-oidc-provider.js";
export { signInWithOidc, type OidcSignInResult } from "./oidc-sign-in.js";
