import type { ServiceImpl } from "@connectrpc/connect";
import type { TrafficRing } from "@darkbloom/edge";
import type { TrafficService } from "@darkbloom/proto";

/** GetTraffic: this replica's ring of per-interval inference figures (admin only, like every Connect call). */
export function createTrafficService(
  ring: TrafficRing,
  replicaId: string,
): ServiceImpl<typeof TrafficService> {
  return {
    getTraffic() {
      return {
        intervalMs: ring.intervalMs,
        intervals: ring.snapshot().map((i) => ({ ...i, startMs: BigInt(i.startMs) })),
        replicaId,
      };
    },
  };
}
