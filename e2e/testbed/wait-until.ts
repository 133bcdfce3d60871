/** Polls `cond` every 100 ms until it holds; throws naming `what` once `timeoutMs` has passed. */
export async function waitUntil(
  what: string,
  cond: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
