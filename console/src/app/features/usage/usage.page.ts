import { ChangeDetectionStrategy, Component, inject, signal } from "@angular/core";
import { apiErrorMessage } from "../../core/api-error";
import { compactNumber, preciseUsd } from "../../shared/format";
import { UsageApi, keyLabel, usageCsv, type UsageGroup, type UsageSummary } from "./usage-api";
import { UsageChart } from "./usage-chart";
import { Pager, ShowMore } from "../../shared/pager";

const WINDOWS = [
  { days: 7, label: "Last 7 days" },
  { days: 30, label: "Last 30 days" },
  { days: 90, label: "Last 90 days" },
] as const;

/** Usage by API key and model over a window: totals, a daily chart, a table, a CSV export. */
@Component({
  selector: "app-usage-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [UsageChart, ShowMore],
  template: `
    <h1>Usage</h1>
    <label for="usage-window">Period</label>
    <select id="usage-window" (change)="choose($any($event.target).value)">
      @for (w of windows; track w.days) {
        <option [value]="w.days" [selected]="w.days === days()">{{ w.label }}</option>
      }
    </select>

    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    @if (summary(); as s) {
      <dl class="stats totals" aria-label="Totals">
        <div>
          <dt>Spend</dt>
          <dd data-testid="usage-cost">{{ usd(s.totals.cost_micro_usd) }}</dd>
        </div>
        <div>
          <dt>Requests</dt>
          <dd data-testid="usage-requests">{{ compact(s.totals.requests) }}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>{{ compact(s.totals.prompt_tokens + s.totals.completion_tokens) }}</dd>
        </div>
      </dl>
      <app-usage-chart [days]="s.days" [since]="s.since" [until]="s.until" />

      <h2>By key and model</h2>
      <button type="button" class="secondary" (click)="exportCsv()" [disabled]="exporting()">
        {{ exporting() ? "Exporting…" : "Export CSV" }}
      </button>
      <div class="table-wrap">
        <table data-testid="usage-table">
          <caption class="visually-hidden">
            Usage by key and model
          </caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Model</th>
              <th scope="col">Requests</th>
              <th scope="col">Input tokens</th>
              <th scope="col">Output tokens</th>
              <th scope="col">Cost</th>
            </tr>
          </thead>
          <tbody>
            @for (g of groups.items(); track g.api_key_id + "|" + g.model) {
              <tr>
                <th scope="row">{{ keyLabel(g) }}</th>
                <td>{{ g.model }}</td>
                <td>{{ g.requests }}</td>
                <td>{{ g.prompt_tokens }}</td>
                <td>{{ g.completion_tokens }}</td>
                <td>{{ usd(g.cost_micro_usd) }}</td>
              </tr>
            } @empty {
              <tr>
                <td colspan="6">No usage in this period.</td>
              </tr>
            }
          </tbody>
        </table>
      </div>
      <app-show-more [pager]="groups" />
    } @else if (!error()) {
      <p role="status">Loading usage…</p>
    }
  `,
  styles: `
    .totals {
      margin-top: 1rem;
    }
  `,
})
export default class UsagePage {
  private readonly api = inject(UsageApi);
  protected readonly windows = WINDOWS;
  protected readonly usd = preciseUsd;
  protected readonly compact = compactNumber;
  protected readonly keyLabel = keyLabel;
  protected readonly days = signal(30);
  protected readonly summary = signal<UsageSummary | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly groups = new Pager<UsageGroup>(
    (cursor) => this.api.summary(this.since, cursor),
    (err) => this.error.set(apiErrorMessage(err)),
  );
  protected readonly exporting = signal(false);
  private since = 0;

  constructor() {
    void this.load();
  }

  protected choose(days: string): void {
    this.days.set(Number(days));
    void this.load();
  }

  private async load(): Promise<void> {
    this.since = Math.floor(Date.now() / 1000) - this.days() * 86_400;
    try {
      const s = await this.api.summary(this.since);
      this.summary.set(s);
      this.groups.reset(s);
      this.error.set(null);
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }

  protected async exportCsv(): Promise<void> {
    this.exporting.set(true);
    try {
      const csv = usageCsv(await this.api.allGroups(this.since));
      const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `darkbloom-usage-${this.days()}d.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    } finally {
      this.exporting.set(false);
    }
  }
}
