import { ChangeDetectionStrategy, Component, inject, signal } from "@angular/core";
import { usd } from "../../shared/format";
import { AdminApi, adminErrorMessage, type LedgerOverview } from "./admin-api";

const KIND_LABELS: Record<string, string> = {
  consumer: "Consumer wallets",
  hold: "Held for running requests",
  provider: "Provider earnings",
  "platform:revenue": "Platform revenue",
  "platform:stripe_clearing": "Stripe clearing (deposits in)",
};

/** The double-entry ledger at a glance: balances by kind (summing to zero) and the last day. */
@Component({
  selector: "app-ledger-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Ledger</h1>
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    @if (overview(); as o) {
      <p [class.error]="o.net_micro_usd !== 0" data-testid="ledger-net" role="status">
        @if (o.net_micro_usd === 0) {
          Balanced: every balance sums to zero.
        } @else {
          Out of balance by {{ usd(o.net_micro_usd) }}: the ledger needs attention.
        }
      </p>
      <h2>Last 24 hours</h2>
      <dl class="stats" data-testid="ledger-24h">
        <div>
          <dt>Requests settled</dt>
          <dd>{{ o.last_24h.settlements }}</dd>
        </div>
        <div>
          <dt>Charged</dt>
          <dd>{{ usd(o.last_24h.charged_micro_usd) }}</dd>
        </div>
        <div>
          <dt>To providers</dt>
          <dd>{{ usd(o.last_24h.provider_credit_micro_usd) }}</dd>
        </div>
        <div>
          <dt>Platform fee</dt>
          <dd>{{ usd(o.last_24h.platform_fee_micro_usd) }}</dd>
        </div>
        <div>
          <dt>Credited</dt>
          <dd>{{ usd(o.last_24h.credited_micro_usd) }}</dd>
        </div>
        <div>
          <dt>Open holds</dt>
          <dd>{{ o.open_holds }}</dd>
        </div>
      </dl>
      <h2>Balances</h2>
      <div class="table-wrap">
        <table data-testid="ledger-balances">
          <caption class="visually-hidden">
            Balances by kind of ledger account
          </caption>
          <thead>
            <tr>
              <th scope="col">Accounts</th>
              <th scope="col">Count</th>
              <th scope="col">Balance</th>
            </tr>
          </thead>
          <tbody>
            @for (b of o.balances; track b.kind) {
              <tr>
                <th scope="row">{{ label(b.kind) }}</th>
                <td>{{ b.accounts }}</td>
                <td>{{ usd(b.balance_micro_usd) }}</td>
              </tr>
            }
          </tbody>
        </table>
      </div>
    }
  `,
})
export default class LedgerPage {
  private readonly api = inject(AdminApi);
  protected readonly usd = usd;
  protected readonly overview = signal<LedgerOverview | null>(null);
  protected readonly error = signal<string | null>(null);

  constructor() {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.overview.set(await this.api.ledger());
    } catch (err) {
      this.error.set(adminErrorMessage(err));
    }
  }

  protected label(kind: string): string {
    return KIND_LABELS[kind] ?? kind;
  }
}
