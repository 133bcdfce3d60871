import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger, Registry } from "@darkbloom/telemetry";
import { WebSocketServer } from "ws";
import type { ProviderRegistry } from "../registry/provider-registry.js";
import { createGatewayMetrics, type GatewayMetrics } from "./gateway-metrics.js";
import { ProviderSession, type SessionOptions } from "./provider-session.js";

export interface GatewayOptions extends SessionOptions {
  path: string;
}

/** Accepts provider WebSocket upgrades and turns each into a ProviderSession. */
export class ProviderGateway {
  private readonly wss: WebSocketServer;
  private readonly pending = new Set<ProviderSession>();
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
            this.registry.add(s);
            this.metrics.providers.set(this.registry.size);
            onRegistered?.();
          },
          onClosed: (s) => {
            this.registry.remove(s);
            this.metrics.providers.set(this.registry.size);
            this.onProviderGone(s.id);
          },
          onCapacityChanged: (s) => this.registry.capacityChanged(s),
          onLoadModelStatus: (s, status) => this.registry.loadModelStatus(s, status),
        },
        this.metrics,
        this.log,
      );
      this.pending.add(session);
      ws.once("close", () => this.pending.delete(session));
    });
    return true;
  }

  close(): void {
    for (const s of this.pending) s.close("coordinator shutting down");
    this.pending.clear();
    this.registry.closeAll("coordinator shutting down");
    this.wss.close();
  }
}
