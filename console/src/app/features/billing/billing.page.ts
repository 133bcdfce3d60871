import { ChangeDetectionStrategy, Component, inject, InjectionToken, signal } from "@angular/core";
import { ActivatedRoute } from "@angular/router";
import { apiErrorMessage } from "../../core/api-error";
import { usd } from "../../shared/format";
import { Pager, ShowMore } from "../../shared/pager";
import { BillingApi, depositCents, type Balance, type BillingEntry } from "./billing-api";

/** Leaves the console for Stripe's hosted Checkout page (replaced in unit tests). */
export const OPEN_CHECKOUT = new InjectionToken<(url: string) => void>("OPEN_CHECKOUT", {
  factory: () => (url: string) => globalThis.location.assign(url),
});

const STATUS: Record<BillingEntry["status"], string> = {
  credited: "Credited",
  pending: "Not paid",
  flagged: "Under review",
};

/** Balance, a deposit through Stripe Checkout, and the history of deposits and credits. */
@Component({
  selector: "app-billing-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ShowMore],
  template: `
    <h1>Billing</h1>
    @if (returned() === "success") {
      <p class="card success" role="status" data-testid="checkout-returned">
        Thank you — Stripe is confirming the payment. Your balance updates as soon as it does.
      </p>
    } @else if (returned() === "cancelled") {
      <p class="card" role="status">The deposit was cancelled; nothing was charged.</p>
    }

    @if (balance(); as b) {
      <dl class="stats" aria-label="Balance">
        <div>
          <dt>Balance</dt>
          <dd data-testid="balance-total">{{ usd(b.balance_micro_usd) }}</dd>
        </div>
        <div>
          <dt>Available</dt>
          <dd data-testid="balance-available">{{ usd(b.available_micro_usd) }}</dd>
        </div>
        <div>
          <dt>Held for requests</dt>
          <dd data-testid="balance-held">{{ usd(b.held_micro_usd) }}</dd>
        </div>
      </dl>
      <!-- a replica's credit lease counts as held until it goes back (docs/money.md) -->
      <p class="hint">
        Held covers running requests and credit set aside for your next ones; what is unused returns
        to Available within seconds.
      </p>
    }

    <form class="card" (submit)="deposit($event, amount.value)" aria-labelledby="deposit-title">
      <h2 id="deposit-title">Add credit</h2>
      <p class="hint">Pay with Stripe Checkout; $1 to $10,000.</p>
      <label for="deposit-amount">Amount (USD)</label>
      <input
        #amount
        id="deposit-amount"
        name="amount"
        inputmode="decimal"
        value="20"
        required
        [attr.aria-invalid]="depositError() ? true : null"
        [attr.aria-describedby]="depositError() ? 'deposit-error' : null"
      />
      @if (depositError(); as e) {
        <p id="deposit-error" class="error" role="alert">{{ e }}</p>
      }
      <button type="submit" [disabled]="busy()">
        {{ busy() ? "Opening Checkout…" : "Continue to payment" }}
      </button>
    </form>

    <h2>History</h2>
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    <div class="table-wrap">
      <table data-testid="billing-history">
        <caption class="visually-hidden">
          Deposits and credits
        </caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">What</th>
            <th scope="col">Amount</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          @for (e of history.items(); track $index) {
            <tr>
              <td>{{ date(e.created) }}</td>
              <th scope="row">{{ e.description }}</th>
              <td>{{ usd(e.amount_micro_usd) }}</td>
              <td>{{ status[e.status] }}</td>
            </tr>
          } @empty {
            <tr>
              <td colspan="4">No deposits or credits yet.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
    <app-show-more [pager]="history" />
  `,
})
export default class BillingPage {
  private readonly api = inject(BillingApi);
  private readonly openCheckout = inject(OPEN_CHECKOUT);
  protected readonly usd = usd;
  protected readonly status = STATUS;
  protected readonly returned = signal(
    inject(ActivatedRoute).snapshot.queryParamMap.get("checkout"),
  );
  protected readonly balance = signal<Balance | null>(null);
  protected readonly busy = signal(false);
  protected readonly depositError = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly history = new Pager<BillingEntry>(
    (cursor) => this.api.history(cursor),
    (err) => this.error.set(apiErrorMessage(err)),
  );

  constructor() {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const [balance, history] = await Promise.all([this.api.balance(), this.api.history()]);
      this.balance.set(balance);
      this.history.reset(history);
      this.error.set(null);
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }

  protected async deposit(event: Event, amount: string): Promise<void> {
    event.preventDefault();
    const cents = depositCents(amount);
    if (cents === null) {
      this.depositError.set("Enter an amount from $1 to $10,000, in dollars and cents.");
      return;
    }
    this.depositError.set(null);
    this.busy.set(true);
    try {
      const session = await this.api.checkout(cents);
      this.openCheckout(session.url);
    } catch (err) {
      this.depositError.set(apiErrorMessage(err));
      this.busy.set(false);
    }
  }

  protected date(seconds: number): string {
    return new Date(seconds * 1000).toLocaleString("en-US", {
      dateStyle: "medium",
      timeStyle: "short",
    });
  }
}
