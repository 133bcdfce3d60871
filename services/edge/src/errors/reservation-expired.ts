import { EdgeError } from "./edge-error.js";

/**
 * Routing's reservation of a provider expired (or its replica went away) before the request
 * started: nothing ran and nothing was charged (the hold was released). Not a billing error:
 * a 409 the consumer answers by retrying (sealed mode: by reserving again). docs/api.md, "Errors".
 */
export const reservationExpired = (sealedMode: boolean): EdgeError =>
  new EdgeError(
    409,
    "invalid_request_error",
    "reservation_expired",
    sealedMode
      ? "the reservation expired; reserve again"
      : "the provider reservation expired before the request started; nothing was charged, retry the request",
  );
