/** `darkbloom` exit codes (documented in docs/provider-guide.md). */
export const EXIT = {
  ok: 0,
  /** Unexpected failure (see the message). */
  failure: 1,
  /** Bad command line. */
  usage: 2,
  /** A check failed: `doctor`, `models verify`, a download's hash. */
  checkFailed: 3,
  /** `stop`/`status`: no daemon is running. */
  notRunning: 4,
  /** The coordinator or a download host could not be reached or refused the call. */
  network: 5,
  /** Login was denied, expired, or the saved token is missing. */
  auth: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
