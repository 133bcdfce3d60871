// The provider-operator routes (machines, payouts) are for provider accounts only: checked on
// the server for every call, whatever the console shows.
import { EdgeError } from "../errors/edge-error.js";
import { principalOf, type AccountRequest } from "./account-deps.js";

/** The operator's account id; 403 for consumer and admin accounts. */
export function operatorOf(ctx: AccountRequest, what = "this endpoint is"): string {
  const principal = principalOf(ctx);
  if (principal.role !== "provider") {
    throw new EdgeError(
      403,
      "permission_error",
      "permission_denied",
      `${what} for provider accounts`,
    );
  }
  return principal.accountId;
}
