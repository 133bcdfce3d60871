import { DarkbloomError } from "../sdk-error.js";

/** The DarkbloomError code `p` rejects with, or "accepted"; any other error is rethrown. */
export async function refusalCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DarkbloomError) return err.code;
    throw err;
  }
  return "accepted";
}
