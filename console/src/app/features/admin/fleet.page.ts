import { ChangeDetectionStrategy, Component, computed, signal } from "@angular/core";
import { RouterLink } from "@angular/router";
import { TrustLevel } from "../../../gen/darkbloom/v1/common_pb";
import { ThermalState } from "../../../gen/darkbloom/v1/provider_pb";
import { RoutingService } from "../../../gen/darkbloom/v1/routing_pb";
import { injectClient } from "../../core/connect-transport";
import { adminErrorMessage } from "./admin-api";
import {
  THERMAL_LABELS,
  TRUST_LABELS,
  filterFleet,
  fleetRow,
  sortFleet,
  type FleetRow,
  type FleetSortKey,
} from "./fleet-view";
import { pollWhileOpen } from "./poll";

const COLUMNS: ReadonlyArray<{ key: FleetSortKey; label: string }> = [
  { key: "id", label: "Provider" },
  { key: "trust", label: "Trust" },
  { key: "version", label: "Version" },
  { key: "running", label: "Slots" },
  { key: "decodeTps", label: "Decode tok/s" },
  { key: "memoryActiveGb", label: "Memory" },
  { key: "thermal", label: "Thermal" },
];

/** Every provider connected to the network, live (ListProviders every 5 s): filter and sort. */
@Component({
  selector: "app-fleet-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    <h1>Fleet</h1>
    <p class="hint" aria-live="polite">
      {{ shown().length }} of {{ rows().length }} providers · updated every 5 s
    </p>
    <form class="filters" (submit)="$event.preventDefault()" aria-label="Filter providers">
      <div>
        <label for="fleet-search">Search</label>
        <input
          id="fleet-search"
          type="search"
          placeholder="id, model, chip, version"
          [value]="text()"
          (input)="text.set(value($event))"
        />
      </div>
      <div>
        <label for="fleet-trust">Minimum trust</label>
        <select id="fleet-trust" (change)="minTrust.set(+value($event))">
          <option value="0">Any</option>
          @for (t of trustLevels; track t.value) {
            <option [value]="t.value">{{ t.label }}</option>
          }
        </select>
      </div>
      <div>
        <label for="fleet-thermal">Thermal at least</label>
        <select id="fleet-thermal" (change)="minThermal.set(+value($event))">
          <option value="0">Any</option>
          @for (t of thermalStates; track t.value) {
            <option [value]="t.value">{{ t.label }}</option>
          }
        </select>
      </div>
    </form>
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    <div class="table-wrap">
      <table data-testid="fleet">
        <caption class="visually-hidden">
          Providers
        </caption>
        <thead>
          <tr>
            @for (c of columns; track c.key) {
              <th scope="col" [attr.aria-sort]="ariaSort(c.key)">
                <button type="button" class="link" (click)="sortBy(c.key)">
                  {{ c.label }}{{ sortKey() === c.key ? (descending() ? " ▼" : " ▲") : "" }}
                </button>
              </th>
            }
          </tr>
        </thead>
        <tbody>
          @for (r of shown(); track r.id) {
            <tr>
              <th scope="row">
                <a class="pid" [routerLink]="['/admin/fleet', r.id]">{{ r.id }}</a>
                <div class="hint">{{ r.chip }} · {{ r.models.join(", ") }}</div>
              </th>
              <td>
                <span class="badge" [class.ok]="r.trust >= hardware">{{ r.trustLabel }}</span>
              </td>
              <td>{{ r.version }}</td>
              <td>
                <span class="nowrap">{{ r.running }} running · {{ r.waiting }} waiting</span>
                <div class="hint">{{ r.loadedSlots }} loaded</div>
              </td>
              <td>{{ r.decodeTps > 0 ? r.decodeTps.toFixed(1) : "—" }}</td>
              <td class="nowrap">
                {{ r.memoryActiveGb.toFixed(1) }} / {{ r.memoryTotalGb.toFixed(0) }} GB
              </td>
              <td>{{ r.thermalLabel }}</td>
            </tr>
          } @empty {
            <tr>
              <td colspan="7">
                {{ rows().length === 0 ? "No providers online." : "No provider matches." }}
              </td>
            </tr>
          }
        </tbody>
      </table>
    </div>
  `,
  styles: `
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
    }
    .filters > div {
      flex: 1 1 12rem;
    }
    .pid {
      word-break: break-all;
      font-family: monospace;
    }
    .nowrap {
      white-space: nowrap;
    }
    th button.link {
      font-weight: bold;
      white-space: nowrap;
    }
  `,
})
export default class FleetPage {
  private readonly routing = injectClient(RoutingService);
  protected readonly columns = COLUMNS;
  protected readonly hardware = TrustLevel.HARDWARE;
  protected readonly trustLevels = [
    TrustLevel.NONE,
    TrustLevel.SOFTWARE,
    TrustLevel.HARDWARE,
    TrustLevel.HARDWARE_MDA,
  ].map((value) => ({ value, label: TRUST_LABELS[value] }));
  protected readonly thermalStates = [
    ThermalState.NOMINAL,
    ThermalState.FAIR,
    ThermalState.SERIOUS,
    ThermalState.CRITICAL,
  ].map((value) => ({ value, label: THERMAL_LABELS[value] }));
  protected readonly rows = signal<FleetRow[]>([]);
  protected readonly error = signal<string | null>(null);
  protected readonly text = signal("");
  protected readonly minTrust = signal<TrustLevel>(TrustLevel.UNSPECIFIED);
  protected readonly minThermal = signal<ThermalState>(ThermalState.UNSPECIFIED);
  protected readonly sortKey = signal<FleetSortKey>("id");
  protected readonly descending = signal(false);
  protected readonly shown = computed(() =>
    sortFleet(
      filterFleet(this.rows(), {
        text: this.text(),
        minTrust: this.minTrust(),
        minThermal: this.minThermal(),
      }),
      this.sortKey(),
      this.descending(),
    ),
  );

  constructor() {
    pollWhileOpen(() => this.load());
  }

  private async load(): Promise<void> {
    try {
      const { providers } = await this.routing.listProviders({});
      this.rows.set(providers.map(fleetRow));
      this.error.set(null);
    } catch (err) {
      this.error.set(adminErrorMessage(err));
    }
  }

  protected sortBy(key: FleetSortKey): void {
    if (this.sortKey() === key) this.descending.update((d) => !d);
    else {
      this.sortKey.set(key);
      // numbers read best biggest first
      this.descending.set(key !== "id" && key !== "version");
    }
  }

  protected ariaSort(key: FleetSortKey): string | null {
    if (this.sortKey() !== key) return null;
    return this.descending() ? "descending" : "ascending";
  }

  protected value(event: Event): string {
    return (event.target as HTMLInputElement | HTMLSelectElement).value;
  }
}
