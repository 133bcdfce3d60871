import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger, Registry } from "@darkbloom/telemetry";
import { WebSocketServer } from "ws";
import type { ProviderRegistry } from "../registry/provider-registry.js";
import { createGatewayMetrics, type GatewayMetrics } from "./gateway-metrics.js";
import { ProviderSession, type Claim, type SessionOptions } from "./provider-session.js";
import type { Admission } from "@darkbloom/session-trust";

export interface GatewayOptions extends SessionOptions {
  path: string;
  /**
   * A new session claiming a provider id that has a live session pings the live one; it takes the
   * id only if no pong arrives within this time (a dead socket after a network blip), and is
   * refused otherwise.
   */
  probeTimeoutMs: number;
}

/** Accepts provider WebSocket upgrades and turns each into a ProviderSession. */
export class ProviderGateway {
  private readonly wss: WebSocketServer;
  private readonly pending = new Set<ProviderSession>();
  /**
   * Registered sessions of this gateway, including one the registry no longer lists because a
   * peer's row of its provider replaced it while it finishes its requests after GoAway.
   */
  private readonly registered = new Set<ProviderSession>();
  private readonly metrics: GatewayMetrics;

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly options: GatewayOptions,
    metricsRegistry: Registry,
    private readonly log: Logger,
    private readonly onProviderGone: (providerId: string) => void,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes + 1 });
    this.metrics = createGatewayMetrics(metricsRegistry);
  }

  /**
   * Returns false when the upgrade is not for this gateway's path. `onRegistered` runs once the
   * provider on this socket passed registration (its connection is then an authenticated one).
   */
  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    onRegistered?: () => void,
  ): boolean {
    // The raw request target, compared as is: parsing it (new URL) throws on inputs like "/\\[x".
    const path = (req.url ?? "/").split("?")[0];
    if (path !== this.options.path) return false;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new ProviderSession(
        randomUUID(),
        ws,
        this.options,
        {
          onRegistered: (s) => {
            this.pending.delete(s);
            this.registered.add(s);
            this.registry.add(s);
            this.metrics.providers.set(this.registered.size);
            onRegistered?.();
          },
          onClosed: (s) => {
            this.registered.delete(s);
            const listed = this.registry.get(s.id);
            this.registry.remove(s);
            this.metrics.providers.set(this.registered.size);
            // A session replaced by the provider's new place keeps that place's reservations.
            if (!listed || listed === s) this.onProviderGone(s.id);
          },
          onCapacityChanged: (s) => this.registry.capacityChanged(s),
          onLoadModelStatus: (s, status) => this.registry.loadModelStatus(s, status),
          claim: (s, providerId, register, proof) => {
            const bind = this.options.trust?.bindIdentity?.(providerId, register, proof);
            return bind
              ? bind.then((b) => (b.ok ? this.takeOver(s, providerId) : b))
              : this.takeOver(s, providerId);
          },
        },
        this.metrics,
        this.log,
      );
      this.pending.add(session);
      ws.once("close", () => this.pending.delete(session));
    });
    return true;
  }

  /**
   * The rule for a second session of one provider id (DESIGN §10): it may not evict a live one.
   * The live session is pinged; only one that does not answer in `probeTimeoutMs` is replaced.
   */
  private takeOver(claimant: ProviderSession, providerId: string): Claim {
    const live = this.registry.get(providerId);
    if (!live || live === claimant || live.state.kind !== "registered") return { ok: true };
    return live.probe(this.options.probeTimeoutMs).then((alive): Admission => {
      const current = this.registry.get(providerId);
      if (alive || (current && current !== live && current.state.kind === "registered")) {
        this.metrics.takeoverRefusals.inc();
        return {
          ok: false,
          code: "provider_already_connected",
          message: `provider ${providerId} is already connected and answers its liveness probe`,
        };
      }
      live.close("did not answer a liveness probe when a new session claimed its provider id");
      return { ok: true };
    });
  }

  /**
   * Drain: every registered provider stops being chosen and is told to reconnect elsewhere after
   * `delayMs` plus a random share of `jitterMs` (spread so survivors are not hit all at once).
   */
  goAwayAll(delayMs: number, jitterMs: number, reason: string): void {
    for (const s of this.registered) s.goAway(delayMs, jitterMs, reason);
  }

  /** Requests still running on this replica's providers (peers' providers are theirs to drain). */
  get inFlight(): number {
    let n = 0;
    for (const s of this.registered) n += s.inFlightCount;
    return n;
  }

  close(): void {
    for (const s of this.pending) s.close("coordinator shutting down");
    this.pending.clear();
    for (const s of [...this.registered]) s.close("coordinator shutting down");
    this.registry.closeAll("coordinator shutting down");
    this.wss.close();
  }
}
