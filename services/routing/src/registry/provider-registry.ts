import type { LoadModelStatus } from "@darkbloom/proto";
import type { ProviderHandle } from "./provider-handle.js";

export interface RegistryListener {
  /** A provider registered, sent a heartbeat or finished a request. */
  capacityChanged?(session: ProviderHandle): void;
  /** A provider's session closed: drop everything kept per provider. */
  providerGone?(providerId: string): void;
  loadModelStatus?(session: ProviderHandle, status: LoadModelStatus): void;
}

/**
 * The registered providers of this replica. A session is here from register until it closes.
 * Live state (slots, memory, pressure, thermal) is the session's last heartbeat; listeners keep
 * their own per-provider structures and must clear them on `providerGone`.
 */
export class ProviderRegistry {
  private readonly sessions = new Map<string, ProviderHandle>();
  private readonly listeners = new Set<RegistryListener>();
  /** Sessions by the models they registered (fixed at register): routing visits only these. */
  private readonly byModel = new Map<string, Set<ProviderHandle>>();
  /** The models each session was indexed under (a closed session no longer exposes them). */
  private readonly indexedAs = new Map<ProviderHandle, string[]>();

  /**
   * Adds a registered session. The gateway only registers a second session of an id after the
   * first failed its liveness probe (gateway.ts `takeOver`); should one still be here (a race of
   * two claims), the newer replaces it. A local session that was told to move (drain) is replaced
   * without being closed: the gateway still owns it until its in-flight requests end.
   */
  add(session: ProviderHandle): void {
    const previous = this.sessions.get(session.id);
    if (previous && previous !== session) this.unindex(previous);
    this.sessions.set(session.id, session);
    const models = (session.register?.models ?? []).map((m) => m.id);
    this.indexedAs.set(session, models);
    for (const m of models) {
      let set = this.byModel.get(m);
      if (!set) this.byModel.set(m, (set = new Set()));
      set.add(session);
    }
    // A local session told to move (GoAway) finishes its requests on its socket; only routing
    // now goes to the provider's new place (a peer's row, see presence).
    if (
      previous &&
      previous !== session &&
      !(previous.moving && previous.ownerReplicaId === "local")
    )
      previous.close("replaced by a newer connection of the same provider");
    this.capacityChanged(session);
  }

  remove(session: ProviderHandle): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    this.unindex(session);
    for (const l of this.listeners) l.providerGone?.(session.id);
  }

  listen(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  capacityChanged(session: ProviderHandle): void {
    if (this.sessions.get(session.id) !== session) return;
    for (const l of this.listeners) l.capacityChanged?.(session);
  }

  loadModelStatus(session: ProviderHandle, status: LoadModelStatus): void {
    if (this.sessions.get(session.id) !== session) return;
    for (const l of this.listeners) l.loadModelStatus?.(session, status);
  }

  get(id: string): ProviderHandle | undefined {
    return this.sessions.get(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  all(): ProviderHandle[] {
    return [...this.sessions.values()];
  }

  values(): IterableIterator<ProviderHandle> {
    return this.sessions.values();
  }

  /** Providers that registered the model and may serve it now (routable, template ok, not fenced). */
  withModel(model: string): ProviderHandle[] {
    return this.registeredFor(model).filter((s) => s.hasModel(model));
  }

  /** Every provider that registered the model (the scheduler's filters decide the rest). */
  registeredFor(model: string): ProviderHandle[] {
    return [...(this.byModel.get(model) ?? [])];
  }

  /** Models with at least one registered provider (for leak tests). */
  get indexedModels(): number {
    return this.byModel.size + this.indexedAs.size;
  }

  private unindex(session: ProviderHandle): void {
    for (const m of this.indexedAs.get(session) ?? []) {
      const set = this.byModel.get(m);
      set?.delete(session);
      if (set?.size === 0) this.byModel.delete(m);
    }
    this.indexedAs.delete(session);
  }

  closeAll(reason: string): void {
    for (const s of this.all()) s.close(reason);
  }
}
