import { ChangeDetectionStrategy, Component, inject, InjectionToken, signal } from "@angular/core";
import { ActivatedRoute } from "@angular/router";
import { apiErrorMessage } from "../../core/api-error";
import { usd } from "../../shared/format";
import { depositCents } from "../billing/billing-api";
import { OperatorApi, type PayoutBalance, type PayoutEntry } from "../operator/operator-api";

/** Leaves the console for Stripe's hosted Connect onboarding (replaced in unit tests). */
export const OPEN_ONBOARDING = new InjectionToken<(url: string) => void>("OPEN_ONBOARDING", {
  factory: () => (url: string) => globalThis.location.assign(url),
});

const STATUS: Record<PayoutEntry["status"], string> = {
  pending: "Sending",
  paid: "Paid",
  failed: "Failed (returned to your balance)",
  reversed: "Reversed (returned to your balance)",
};

/** Earnings, Stripe Connect onboarding, a withdrawal, and the history of payouts. */
@Component({
  selector: "app-payouts-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Payouts</h1>
    @if (returned) {
      <p class="card" role="status" data-testid="onboarding-returned">
        Back from Stripe. Payouts start as soon as Stripe confirms your details.
      </p>
    }
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    @if (balance(); as b) {
      <dl class="stats" aria-label="Earnings">
        <div>
          <dt>Withdrawable</dt>
          <dd data-testid="payouts-withdrawable">{{ usd(b.withdrawable_micro_usd) }}</dd>
        </div>
        <div>
          <dt>Total earnings</dt>
          <dd data-testid="payouts-earnings">{{ usd(b.earnings_micro_usd) }}</dd>
        </div>
        <div>
          <dt>On its way to Stripe</dt>
          <dd>{{ usd(b.pending_micro_usd) }}</dd>
        </div>
      </dl>
      @if (b.minimum_micro_usd > 0) {
        <p class="hint">{{ usd(b.minimum_micro_usd) }} of your earnings stays on the account.</p>
      }

      <section class="card" aria-labelledby="connect-title">
        <h2 id="connect-title">Stripe account</h2>
        @if (b.connect === null) {
          <p>Payouts go to a Stripe Express account. Set one up to withdraw your earnings.</p>
          <button type="button" (click)="onboard()" [disabled]="busy()">
            {{ busy() ? "Opening Stripe…" : "Set up payouts with Stripe" }}
          </button>
        } @else if (!b.connect.payouts_enabled) {
          <p data-testid="connect-state">
            Stripe account <code>{{ b.connect.stripe_account_id }}</code> is not ready for payouts
            yet.
          </p>
          <button type="button" (click)="onboard()" [disabled]="busy()">
            {{ busy() ? "Opening Stripe…" : "Continue onboarding with Stripe" }}
          </button>
        } @else {
          <p data-testid="connect-state">
            <span class="badge ok">Ready</span> Payouts go to Stripe account
            <code>{{ b.connect.stripe_account_id }}</code>.
          </p>
        }
        @if (onboardError(); as e) {
          <p class="error" role="alert">{{ e }}</p>
        }
      </section>

      @if (b.connect?.payouts_enabled) {
        <form
          class="card"
          (submit)="withdraw($event, amount.value)"
          aria-labelledby="withdraw-title"
        >
          <h2 id="withdraw-title">Withdraw</h2>
          <label for="withdraw-amount">Amount (USD)</label>
          <input
            #amount
            id="withdraw-amount"
            name="amount"
            inputmode="decimal"
            [value]="dollars(b.withdrawable_micro_usd)"
            required
            [attr.aria-invalid]="withdrawError() ? true : null"
            [attr.aria-describedby]="withdrawError() ? 'withdraw-error' : null"
          />
          @if (withdrawError(); as e) {
            <p id="withdraw-error" class="error" role="alert">{{ e }}</p>
          }
          <button type="submit" [disabled]="busy()">
            {{ busy() ? "Sending…" : "Withdraw to Stripe" }}
          </button>
        </form>
      }
    } @else if (!error()) {
      <p role="status">Loading your earnings…</p>
    }

    <h2>History</h2>
    <div class="table-wrap" tabindex="0" role="region" aria-label="Payouts (scrolls sideways)">
      <table data-testid="payouts-history">
        <caption class="visually-hidden">
          Payouts
        </caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Amount</th>
            <th scope="col">Status</th>
            <th scope="col">Stripe transfer</th>
          </tr>
        </thead>
        <tbody>
          @for (p of history(); track p.id) {
            <tr>
              <th scope="row">{{ date(p.created) }}</th>
              <td>{{ usd(p.amount_micro_usd) }}</td>
              <td>{{ status[p.status] }}</td>
              <td>
                <code>{{ p.stripe_transfer_id ?? "—" }}</code>
              </td>
            </tr>
          } @empty {
            <tr>
              <td colspan="4">No payouts yet.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
  `,
})
export default class PayoutsPage {
  private readonly api = inject(OperatorApi);
  private readonly openOnboarding = inject(OPEN_ONBOARDING);
  protected readonly usd = usd;
  protected readonly status = STATUS;
  protected readonly returned =
    inject(ActivatedRoute).snapshot.queryParamMap.get("onboarding") === "returned";
  protected readonly balance = signal<PayoutBalance | null>(null);
  protected readonly history = signal<PayoutEntry[]>([]);
  protected readonly error = signal<string | null>(null);
  protected readonly onboardError = signal<string | null>(null);
  protected readonly withdrawError = signal<string | null>(null);
  protected readonly busy = signal(false);

  constructor() {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const [balance, history] = await Promise.all([this.api.balance(), this.api.history()]);
      this.balance.set(balance);
      this.history.set(history);
      this.error.set(null);
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }

  protected async onboard(): Promise<void> {
    this.onboardError.set(null);
    this.busy.set(true);
    try {
      this.openOnboarding((await this.api.onboard()).url);
    } catch (err) {
      this.onboardError.set(apiErrorMessage(err));
      this.busy.set(false);
    }
  }

  protected async withdraw(event: Event, amount: string): Promise<void> {
    event.preventDefault();
    const cents = depositCents(amount);
    const max = this.balance()?.withdrawable_micro_usd ?? 0;
    if (cents === null || cents * 10_000 > max) {
      this.withdrawError.set(`Enter an amount from $1 up to ${usd(max)}, in dollars and cents.`);
      return;
    }
    this.withdrawError.set(null);
    this.busy.set(true);
    try {
      await this.api.withdraw(cents);
      await this.load();
    } catch (err) {
      this.withdrawError.set(apiErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }

  /** Micro-USD → "12.34" (whole cents, rounded down) for the withdrawal field. */
  protected dollars(microUsd: number): string {
    return (Math.floor(microUsd / 10_000) / 100).toFixed(2);
  }

  protected date(seconds: number): string {
    return new Date(seconds * 1000).toLocaleString("en-US", {
      dateStyle: "medium",
      timeStyle: "short",
    });
  }
}
