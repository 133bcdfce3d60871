import type { ProviderSession } from "../gateway/provider-session.js";

/** The registered providers of this replica. A session is here from register until it closes. */
export class ProviderRegistry {
  private readonly sessions = new Map<string, ProviderSession>();

  /** A provider that reconnects with the same key replaces its old session. */
  add(session: ProviderSession): void {
    const previous = this.sessions.get(session.id);
    this.sessions.set(session.id, session);
    if (previous && previous !== session)
      previous.close("replaced by a newer connection of the same provider");
  }

  remove(session: ProviderSession): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
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

  withModel(model: string): ProviderSession[] {
    return this.all().filter((s) => s.hasModel(model));
  }

  closeAll(reason: string): void {
    for (const s of this.all()) s.close(reason);
  }
}
