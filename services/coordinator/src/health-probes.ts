import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

export type Readiness = "starting" | "ready" | "draining";

export const READYZ_PATH = "/readyz";
export const HEALTHZ_PATH = "/healthz";

/**
 * The probes a load balancer or Kubernetes asks (docs/runbooks/replicas.md):
 * - `GET /readyz`: 200 while this replica serves, 503 while it starts or drains (send no new work);
 * - `GET /healthz`: liveness, 200 whenever the event loop answers (draining included).
 * `/health` (the edge's) stays as it was.
 */
export class HealthProbes {
  private state: Readiness = "starting";

  get readiness(): Readiness {
    return this.state;
  }

  ready(): void {
    if (this.state === "starting") this.state = "ready";
  }

  drain(): void {
    this.state = "draining";
  }

  /** Answers a probe path; false when the path is not a probe. */
  handle(
    req: IncomingMessage | Http2ServerRequest,
    res: ServerResponse | Http2ServerResponse,
  ): boolean {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== READYZ_PATH && path !== HEALTHZ_PATH) return false;
    const status = path === HEALTHZ_PATH || this.state === "ready" ? 200 : 503;
    const body = JSON.stringify(
      path === HEALTHZ_PATH ? { status: "alive" } : { status: this.state },
    );
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(body);
    return true;
  }
}
