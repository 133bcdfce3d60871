import type { ProviderSession } from "../gateway/provider-session.js";

/** The registered providers of this replica. A session is here from register until it closes. */
export class ProviderRegistry {
  private readonly sessions = new Map<string, ProviderSession>();

  add(session: ProviderSession): void {
    this.sessions.set(session.id, session);
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
