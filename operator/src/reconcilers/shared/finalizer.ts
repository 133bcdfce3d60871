// The operator's finalizer: held while it has cleanup to do before an object may go.
export const FINALIZER = "darkbloom.dev/cleanup";

export type FinalizerAction = "add" | "remove" | "none";

/** What to do with the finalizer of an object that is live, or being deleted with cleanup done or not. */
export function finalizerAction(
  meta: { finalizers?: string[]; deletionTimestamp?: string },
  cleanupDone: boolean,
): FinalizerAction {
  const has = (meta.finalizers ?? []).includes(FINALIZER);
  if (meta.deletionTimestamp) return has && cleanupDone ? "remove" : "none";
  return has ? "none" : "add";
}

export function withFinalizer(finalizers: string[] | undefined, action: FinalizerAction): string[] {
  const rest = (finalizers ?? []).filter((f) => f !== FINALIZER);
  return action === "add" ? [...rest, FINALIZER] : action === "remove" ? rest : (finalizers ?? []);
}
