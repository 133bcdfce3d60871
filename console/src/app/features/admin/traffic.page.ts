import { ChangeDetectionStrategy, Component, computed, signal } from "@angular/core";
import { TrafficService, type TrafficInterval } from "../../../gen/darkbloom/v1/traffic_pb";
import { injectClient } from "../../core/connect-transport";
import { adminErrorMessage } from "./admin-api";
import { LineChart, type Series } from "./line-chart";
import { pollWhileOpen } from "./poll";

/** Totals over the last `n` intervals: requests/s and error rates (%). */
export function recentRates(
  intervals: readonly TrafficInterval[],
  intervalMs: number,
  n: number,
): { requestsPerSecond: number; clientErrorPercent: number; serverErrorPercent: number } {
  const last = intervals.slice(-n);
  const requests = last.reduce((s, i) => s + i.requests, 0);
  const client = last.reduce((s, i) => s + i.clientErrors, 0);
  const server = last.reduce((s, i) => s + i.serverErrors, 0);
  const seconds = (last.length * intervalMs) / 1000;
  return {
    requestsPerSecond: seconds > 0 ? requests / seconds : 0,
    clientErrorPercent: requests > 0 ? (100 * client) / requests : 0,
    serverErrorPercent: requests > 0 ? (100 * server) / requests : 0,
  };
}

/** Requests/s, TTFT and latency percentiles and error rates over time (the coordinator's ring). */
@Component({
  selector: "app-traffic-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [LineChart],
  template: `
    <h1>Traffic</h1>
    <p class="hint">
      Inference requests measured by this coordinator ({{ replica() }}), per {{ intervalS() }} s
      interval, over the last {{ minutes() }} min. Updated every 10 s.
    </p>
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    <dl class="stats" data-testid="traffic-summary">
      <div>
        <dt>Requests/s (last minute)</dt>
        <dd>{{ recent().requestsPerSecond.toFixed(2) }}</dd>
      </div>
      <div>
        <dt>Client errors</dt>
        <dd>{{ recent().clientErrorPercent.toFixed(1) }} %</dd>
      </div>
      <div>
        <dt>Server errors</dt>
        <dd>{{ recent().serverErrorPercent.toFixed(1) }} %</dd>
      </div>
      <div>
        <dt>Requests in window</dt>
        <dd>{{ total() }}</dd>
      </div>
    </dl>
    <app-line-chart title="Requests per second" unit="req/s" [digits]="2" [series]="rate()" />
    <app-line-chart title="Time to first token" unit="ms" [series]="ttft()" />
    <app-line-chart title="Latency" unit="ms" [series]="latency()" />
    <app-line-chart title="Error rate" unit="%" [digits]="1" [series]="errors()" />
    <h2>Recent intervals</h2>
    <div class="table-wrap">
      <table data-testid="traffic-intervals">
        <caption class="visually-hidden">
          Most recent intervals with requests, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Interval</th>
            <th scope="col">Requests</th>
            <th scope="col">4xx</th>
            <th scope="col">5xx</th>
            <th scope="col">TTFT p50 / p95 / p99 (ms)</th>
            <th scope="col">Latency p50 / p95 / p99 (ms)</th>
          </tr>
        </thead>
        <tbody>
          @for (i of busy(); track i.startMs) {
            <tr>
              <th scope="row">{{ clock(i.startMs) }}</th>
              <td>{{ i.requests }}</td>
              <td>{{ i.clientErrors }}</td>
              <td>{{ i.serverErrors }}</td>
              <td>{{ ms(i.ttftP50Ms) }} / {{ ms(i.ttftP95Ms) }} / {{ ms(i.ttftP99Ms) }}</td>
              <td>
                {{ ms(i.latencyP50Ms) }} / {{ ms(i.latencyP95Ms) }} / {{ ms(i.latencyP99Ms) }}
              </td>
            </tr>
          } @empty {
            <tr>
              <td colspan="6">No requests in the window.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
  `,
})
export default class TrafficPage {
  private readonly traffic = injectClient(TrafficService);
  protected readonly intervals = signal<TrafficInterval[]>([]);
  protected readonly intervalMs = signal(10_000);
  protected readonly replica = signal("local");
  protected readonly error = signal<string | null>(null);
  protected readonly intervalS = computed(() => this.intervalMs() / 1000);
  protected readonly minutes = computed(() =>
    Math.round((this.intervals().length * this.intervalMs()) / 60_000),
  );
  protected readonly recent = computed(() =>
    recentRates(this.intervals(), this.intervalMs(), Math.max(1, 60_000 / this.intervalMs())),
  );
  protected readonly total = computed(() => this.intervals().reduce((s, i) => s + i.requests, 0));
  protected readonly rate = computed<Series[]>(() => [
    {
      name: "requests/s",
      values: this.intervals().map((i) => i.requests / (this.intervalMs() / 1000)),
    },
  ]);
  protected readonly ttft = computed<Series[]>(() => [
    { name: "p50", values: this.intervals().map((i) => i.ttftP50Ms) },
    { name: "p95", values: this.intervals().map((i) => i.ttftP95Ms) },
    { name: "p99", values: this.intervals().map((i) => i.ttftP99Ms) },
  ]);
  protected readonly latency = computed<Series[]>(() => [
    { name: "p50", values: this.intervals().map((i) => i.latencyP50Ms) },
    { name: "p95", values: this.intervals().map((i) => i.latencyP95Ms) },
    { name: "p99", values: this.intervals().map((i) => i.latencyP99Ms) },
  ]);
  protected readonly errors = computed<Series[]>(() => [
    {
      name: "4xx %",
      values: this.intervals().map((i) => (i.requests ? (100 * i.clientErrors) / i.requests : 0)),
    },
    {
      name: "5xx %",
      values: this.intervals().map((i) => (i.requests ? (100 * i.serverErrors) / i.requests : 0)),
    },
  ]);
  protected readonly busy = computed(() =>
    this.intervals()
      .filter((i) => i.requests > 0)
      .slice(-12)
      .reverse(),
  );

  constructor() {
    pollWhileOpen(() => this.load(), 10_000);
  }

  private async load(): Promise<void> {
    try {
      const r = await this.traffic.getTraffic({});
      this.intervals.set(r.intervals);
      this.intervalMs.set(r.intervalMs || 10_000);
      this.replica.set(r.replicaId);
      this.error.set(null);
    } catch (err) {
      this.error.set(adminErrorMessage(err));
    }
  }

  protected clock(startMs: bigint): string {
    return new Date(Number(startMs)).toLocaleTimeString("en-US", { hour12: false });
  }

  protected ms(v: number): string {
    return v > 0 ? v.toFixed(0) : "—";
  }
}
