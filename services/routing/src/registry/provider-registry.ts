import type { LoadModelStatus } from "@darkbloom/proto";
import type { ProviderSession } from "../gateway/provider-session.js";

export interface RegistryListener {
  /** A provider registered, sent a heartbeat or finished a request. */
  capacityChanged?(session: ProviderSession): void;
  /** A provider's session closed: drop everything kept per provider. */
  providerGone?(providerId: string): void;
  loadModelStatus?(session: ProviderSession, status: LoadModelStatus): void;
}

/**
 * The registered providers of this replica. A session is here from register until it closes.
 * Live state (slots, memory, pressure, thermal) is the session's last heartbeat; listeners keep
 * their own per-provider structures and must clear them on `providerGone`.
 */
export class ProviderRegistry {
  private readonly sessions = new Map<string, ProviderSession>();
  private readonly listeners = new Set<RegistryListener>();

  /** A provider that reconnects with the same key replaces its old session. */
  add(session: ProviderSession): void {
    const previous = this.sessions.get(session.id);
    this.sessions.set(session.id, session);
    if (previous && previous !== session)
      previous.close("replaced by a newer connection of the same provider");
    this.capacityChanged(session);
  }

  remove(session: ProviderSession): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    for (const l of this.listeners) l.providerGone?.(session.id);
  }

  listen(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  capacityChanged(session: ProviderSession): void {
    if (this.sessions.get(session.id) !== session) return;
    for (const l of this.listeners) l.capacityChanged?.(session);
  }

  loadModelStatus(session: ProviderSession, status: LoadModelStatus): void {
    if (this.sessions.get(session.id) !== session) return;
    for (const l of this.listeners) l.loadModelStatus?.(session, status);
  }

  get(id: string): ProviderSession | undefined {
    return this.sessions.get(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  all(): ProviderSession[] {
    return [...this.sessions.values()];
  }

  values(): IterableIterator<ProviderSession> {
    return this.sessions.values();
  }

  withModel(model: string): ProviderSession[] {
    return this.all().filter((s) => s.hasModel(model));
  }

  closeAll(reason: string): void {
    for (const s of this.all()) s.close(reason);
  }
}
