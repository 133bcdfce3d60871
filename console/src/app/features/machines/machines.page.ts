import { ChangeDetectionStrategy, Component, inject, signal } from "@angular/core";
import { RouterLink } from "@angular/router";
import { apiErrorMessage } from "../../core/api-error";
import { compactNumber, usd } from "../../shared/format";
import { OperatorApi, TRUST_LABEL, type Machine } from "../operator/operator-api";

/** The operator's machines: online or not, trust, models, tokens served and earnings each. */
@Component({
  selector: "app-machines-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    <h1>My machines</h1>
    <p class="hint">
      Macs linked to your account with <code>darkbloom login</code>. Earnings are your 95% share of
      what each machine served.
      <a routerLink="/device">Link another Mac</a>
    </p>
    <button type="button" class="secondary" (click)="load()" [disabled]="loading()">
      {{ loading() ? "Refreshing…" : "Refresh" }}
    </button>
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    @if (machines(); as list) {
      @if (list.length > 0) {
        <dl class="stats" aria-label="Totals">
          <div>
            <dt>Online</dt>
            <dd data-testid="machines-online">{{ online(list) }} of {{ list.length }}</dd>
          </div>
          <div>
            <dt>Tokens served</dt>
            <dd>{{ compact(tokens(list)) }}</dd>
          </div>
          <div>
            <dt>Earned</dt>
            <dd data-testid="machines-earned">{{ usd(earned(list)) }}</dd>
          </div>
        </dl>
      }
      <div
        class="table-wrap"
        tabindex="0"
        role="region"
        aria-label="Your machines (scrolls sideways)"
      >
        <table data-testid="machines-table">
          <caption class="visually-hidden">
            Your machines
          </caption>
          <thead>
            <tr>
              <th scope="col">Machine</th>
              <th scope="col">State</th>
              <th scope="col">Trust</th>
              <th scope="col">Models</th>
              <th scope="col">Requests</th>
              <th scope="col">Tokens served</th>
              <th scope="col">Earned</th>
            </tr>
          </thead>
          <tbody>
            @for (m of list; track m.provider_id) {
              <tr [attr.data-provider-id]="m.provider_id">
                <th scope="row">
                  <code [title]="m.provider_id">{{ m.provider_id.slice(0, 12) }}</code>
                  @if (m.chip) {
                    <span class="hint machine-hw"
                      >{{ m.chip }} · {{ memory(m.memory_gb) }} · v{{ m.version }}</span
                    >
                  }
                </th>
                <td>
                  @if (m.online) {
                    <span class="badge ok">Online</span>
                    @if (m.in_flight > 0) {
                      <span class="hint">{{ m.in_flight }} running</span>
                    }
                  } @else {
                    <span class="badge">Offline</span>
                  }
                </td>
                <td>
                  @if (m.trust) {
                    <span class="badge" [class.ok]="m.trust !== 'none' && m.routable">{{
                      trustLabel[m.trust]
                    }}</span>
                    @if (m.routable === false) {
                      <span class="error"> Fenced: {{ m.trust_reason }}</span>
                    }
                  } @else {
                    —
                  }
                </td>
                <td>{{ m.models.join(", ") || "—" }}</td>
                <td>{{ m.requests }}</td>
                <td>{{ compact(m.prompt_tokens + m.completion_tokens) }}</td>
                <td>{{ usd(m.earned_micro_usd) }}</td>
              </tr>
            } @empty {
              <tr>
                <td colspan="7">
                  No machine is linked to this account yet. Run <code>darkbloom login</code> on a
                  Mac and approve it on the <a routerLink="/device">Link a Mac</a> page.
                </td>
              </tr>
            }
          </tbody>
        </table>
      </div>
    } @else if (!error()) {
      <p role="status">Loading your machines…</p>
    }
  `,
  styles: `
    .machine-hw {
      display: block;
      font-weight: normal;
      font-size: 0.875rem;
    }
    .stats {
      margin-top: 1rem;
    }
  `,
})
export default class MachinesPage {
  private readonly api = inject(OperatorApi);
  protected readonly usd = usd;
  protected readonly compact = compactNumber;
  protected readonly trustLabel = TRUST_LABEL;
  protected readonly machines = signal<Machine[] | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly loading = signal(false);

  constructor() {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    try {
      this.machines.set(await this.api.machines());
      this.error.set(null);
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    } finally {
      this.loading.set(false);
    }
  }

  protected online(list: Machine[]): number {
    return list.filter((m) => m.online).length;
  }

  protected tokens(list: Machine[]): number {
    return list.reduce((sum, m) => sum + m.prompt_tokens + m.completion_tokens, 0);
  }

  protected earned(list: Machine[]): number {
    return list.reduce((sum, m) => sum + m.earned_micro_usd, 0);
  }

  protected memory(gb: number | null): string {
    return gb === null ? "" : `${Math.round(gb)} GB`;
  }
}
