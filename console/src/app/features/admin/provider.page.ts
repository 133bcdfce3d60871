import { ChangeDetectionStrategy, Component, computed, inject, signal } from "@angular/core";
import { toSignal } from "@angular/core/rxjs-interop";
import { ActivatedRoute, RouterLink } from "@angular/router";
import { map } from "rxjs";
import {
  AttestationService,
  type GetTrustResponse,
} from "../../../gen/darkbloom/v1/attestation_pb";
import { RoutingService, type ProviderSummary } from "../../../gen/darkbloom/v1/routing_pb";
import { injectClient } from "../../core/connect-transport";
import { adminErrorMessage } from "./admin-api";
import { SLOT_LABELS, THERMAL_LABELS, TRUST_LABELS, fleetRow } from "./fleet-view";
import { pollWhileOpen } from "./poll";

const time = (ms: bigint | number): string =>
  Number(ms) > 0
    ? new Date(Number(ms)).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "medium" })
    : "—";

/** One provider in detail: hardware, trust, slots, memory, thermal, counters, speeds (live). */
@Component({
  selector: "app-provider-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    <p><a routerLink="/admin/fleet">← Fleet</a></p>
    <h1>
      Provider <code>{{ id() }}</code>
    </h1>
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    @if (provider(); as p) {
      @if (row(); as r) {
        <dl class="stats" data-testid="provider-summary">
          <div>
            <dt>Trust</dt>
            <dd>{{ r.trustLabel }}</dd>
          </div>
          <div>
            <dt>Version</dt>
            <dd>{{ r.version || "—" }}</dd>
          </div>
          <div>
            <dt>In flight</dt>
            <dd>{{ r.inFlight }}</dd>
          </div>
          <div>
            <dt>Thermal</dt>
            <dd>{{ r.thermalLabel }}</dd>
          </div>
        </dl>
      }
      <section class="card" aria-labelledby="trust-title">
        <h2 id="trust-title">Trust</h2>
        @if (trust(); as t) {
          <p>
            {{ trustLabels[t.trustLevel] }} · {{ t.routable ? "routable" : "not routable" }}
            @if (t.reason) {
              — {{ t.reason }}
            }
          </p>
          <p class="hint">Last attested {{ time(t.lastAttestedAtMs) }}</p>
        } @else {
          <p class="hint">{{ trustLabels[p.trustLevel] }}</p>
        }
      </section>
      <section class="card" aria-labelledby="hw-title">
        <h2 id="hw-title">Machine</h2>
        <ul>
          <li>
            {{ p.hardware?.chip || "Unknown chip" }}, {{ fixed(p.hardware?.memoryGb) }} GB,
            {{ p.hardware?.gpuCores ?? 0 }} GPU cores
          </li>
          <li>{{ p.hardware?.os || "Unknown OS" }}</li>
          <li>Connected {{ time(p.connectedAtMs) }} · replica {{ p.ownerReplicaId || "local" }}</li>
          <li>Last heartbeat {{ time(p.lastHeartbeatMs) }}</li>
        </ul>
      </section>
      <section class="card" aria-labelledby="mem-title">
        <h2 id="mem-title">Memory and load</h2>
        @if (p.heartbeat; as h) {
          <ul data-testid="provider-memory">
            <li>
              Active {{ fixed(h.memory?.activeGb) }} GB · peak {{ fixed(h.memory?.peakGb) }} GB ·
              cache {{ fixed(h.memory?.cacheGb) }} GB of {{ fixed(h.memory?.totalGb) }} GB
            </li>
            <li>Free for a model load: {{ fixed(h.memory?.freeForLoadGb) }} GB</li>
            <li>Memory pressure {{ percent(h.memoryPressure) }} · CPU {{ percent(h.cpuUsage) }}</li>
            <li>Thermal: {{ thermalLabels[h.thermal] }}</li>
            <li>
              Served {{ h.counters?.requestsServed ?? 0 }} requests ({{
                h.counters?.requestsFailed ?? 0
              }}
              failed), {{ h.counters?.tokensGenerated ?? 0 }} tokens generated
            </li>
          </ul>
        } @else {
          <p class="hint">No heartbeat yet.</p>
        }
      </section>
      <h2>Slots</h2>
      <div class="table-wrap">
        <table data-testid="provider-slots">
          <caption class="visually-hidden">
            Model slots
          </caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">State</th>
              <th scope="col">Running</th>
              <th scope="col">Waiting</th>
              <th scope="col">KV tokens in use</th>
              <th scope="col">Decode tok/s</th>
            </tr>
          </thead>
          <tbody>
            @for (s of p.heartbeat?.slots ?? []; track s.modelId) {
              <tr>
                <th scope="row">{{ s.modelId }}</th>
                <td>{{ slotLabels[s.state] }}</td>
                <td>{{ s.running }}</td>
                <td>{{ s.waiting }}</td>
                <td>{{ s.maxTokensPotential }} / {{ s.kvCapacityTokens || "?" }}</td>
                <td>{{ speed(s.modelId) }}</td>
              </tr>
            } @empty {
              <tr>
                <td colspan="6">No slots reported.</td>
              </tr>
            }
          </tbody>
        </table>
      </div>
    } @else if (loaded()) {
      <p role="status">This provider is not connected.</p>
    }
  `,
  styles: `
    ul {
      padding-left: 1.2rem;
    }
    h1 code {
      word-break: break-all;
    }
  `,
})
export default class ProviderPage {
  /** The route's `:id`. */
  protected readonly id = toSignal(
    inject(ActivatedRoute).paramMap.pipe(map((p) => p.get("id") ?? "")),
    { requireSync: true },
  );
  private readonly routing = injectClient(RoutingService);
  private readonly attestation = injectClient(AttestationService);
  protected readonly trustLabels = TRUST_LABELS;
  protected readonly thermalLabels = THERMAL_LABELS;
  protected readonly slotLabels = SLOT_LABELS;
  protected readonly time = time;
  protected readonly provider = signal<ProviderSummary | null>(null);
  protected readonly trust = signal<GetTrustResponse | null>(null);
  protected readonly loaded = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly row = computed(() => {
    const p = this.provider();
    return p ? fleetRow(p) : null;
  });

  constructor() {
    pollWhileOpen(() => this.load());
  }

  private async load(): Promise<void> {
    try {
      const { providers } = await this.routing.listProviders({});
      const p = providers.find((x) => x.providerId === this.id()) ?? null;
      this.provider.set(p);
      if (p) this.trust.set(await this.attestation.getTrust({ providerId: p.providerId }));
      this.error.set(null);
    } catch (err) {
      this.error.set(adminErrorMessage(err));
    } finally {
      this.loaded.set(true);
    }
  }

  protected speed(model: string): string {
    const p = this.provider();
    const measured = p?.measured.find((m) => m.modelId === model)?.decodeTokensPerSecond;
    if (measured) return `${measured.toFixed(1)} (measured)`;
    const bench = p?.benchmarks.find((b) => b.modelId === model)?.decodeTokensPerSecond;
    return bench ? `${bench.toFixed(1)} (benchmark)` : "—";
  }

  protected fixed(v: number | undefined): string {
    return (v ?? 0).toFixed(1);
  }

  protected percent(v: number): string {
    return `${Math.round(v * 100)} %`;
  }
}
