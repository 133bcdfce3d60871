import { ChangeDetectionStrategy, Component, inject, signal } from "@angular/core";
import { usd } from "../../shared/format";
import { AdminApi, adminErrorMessage, type Price } from "./admin-api";

/** Dollars per million tokens as typed → micro-USD per million; NaN for junk or negatives. */
export function perMillion(text: string): number {
  const t = text.trim();
  if (!/^\d+(\.\d{0,6})?$/.test(t)) return Number.NaN;
  return Math.round(Number(t) * 1_000_000);
}

/** Prices per model (micro-USD per million tokens; model "*" is the default): list and set. */
@Component({
  selector: "app-prices-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Prices</h1>
    <p>Per million tokens. The model <code>*</code> is the price of every model without its own.</p>
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    <div class="table-wrap">
      <table data-testid="prices">
        <caption class="visually-hidden">
          Prices per model
        </caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Input</th>
            <th scope="col">Output</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          @for (p of prices(); track p.model) {
            <tr>
              <th scope="row">
                <code>{{ p.model }}</code>
              </th>
              <td>{{ usd(p.input_micro_usd_per_million) }}</td>
              <td>{{ usd(p.output_micro_usd_per_million) }}</td>
              <td>
                <button
                  type="button"
                  class="secondary"
                  [attr.aria-label]="'Edit the price of ' + p.model"
                  (click)="pick(p)"
                >
                  Edit
                </button>
              </td>
            </tr>
          } @empty {
            <tr>
              <td colspan="4">No prices set.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
    <form class="card" (submit)="save($event)" aria-labelledby="price-title">
      <h2 id="price-title">Set a price</h2>
      <label for="price-model">Model</label>
      <input
        id="price-model"
        name="model"
        required
        [value]="model()"
        (input)="model.set(text($event))"
      />
      <label for="price-input">Input (USD per million tokens)</label>
      <input
        id="price-input"
        name="input"
        inputmode="decimal"
        required
        [value]="input()"
        (input)="input.set(text($event))"
      />
      <label for="price-output">Output (USD per million tokens)</label>
      <input
        id="price-output"
        name="output"
        inputmode="decimal"
        required
        [value]="output()"
        (input)="output.set(text($event))"
      />
      @if (formError(); as e) {
        <p class="error" role="alert">{{ e }}</p>
      }
      @if (saved(); as m) {
        <p role="status">Saved the price of {{ m }}.</p>
      }
      <button type="submit" [disabled]="busy()">Save price</button>
    </form>
  `,
})
export default class PricesPage {
  private readonly api = inject(AdminApi);
  protected readonly usd = usd;
  protected readonly prices = signal<Price[]>([]);
  protected readonly model = signal("");
  protected readonly input = signal("");
  protected readonly output = signal("");
  protected readonly busy = signal(false);
  protected readonly saved = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly formError = signal<string | null>(null);

  constructor() {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.prices.set(await this.api.prices());
    } catch (err) {
      this.error.set(adminErrorMessage(err));
    }
  }

  protected pick(p: Price): void {
    this.model.set(p.model);
    this.input.set(String(p.input_micro_usd_per_million / 1_000_000));
    this.output.set(String(p.output_micro_usd_per_million / 1_000_000));
    this.saved.set(null);
    globalThis.document?.getElementById("price-input")?.focus();
  }

  protected async save(event: Event): Promise<void> {
    event.preventDefault();
    const model = this.model().trim();
    const input = perMillion(this.input());
    const output = perMillion(this.output());
    if (model === "") return this.formError.set("Name the model (or * for the default).");
    if (Number.isNaN(input) || Number.isNaN(output))
      return this.formError.set("Prices are amounts in USD, such as 0.15.");
    this.busy.set(true);
    this.formError.set(null);
    try {
      await this.api.setPrice(model, input, output);
      this.saved.set(model);
      await this.load();
    } catch (err) {
      this.formError.set(adminErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }

  protected text(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }
}
