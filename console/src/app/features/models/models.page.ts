import { ChangeDetectionStrategy, Component, computed, inject } from "@angular/core";
import { toSignal } from "@angular/core/rxjs-interop";
import { catchError, map, of } from "rxjs";
import { PublicApi, priceOf } from "../../core/public-api";
import { usd } from "../../shared/format";

interface Row {
  id: string;
  providers: number;
  input: number | undefined;
  output: number | undefined;
}

/** Models with their prices (per million tokens) and whether anyone serves them now. */
@Component({
  selector: "app-models-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Models and prices</h1>
    <p>
      Prices are per million tokens. A model is available while at least one provider serves it;
      models without their own price use the default price
      @if (defaultPrice(); as d) {
        ({{ usd(d.input_micro_usd_per_million) }} input, {{ usd(d.output_micro_usd_per_million) }}
        output)
      }
      .
    </p>
    @if (failed()) {
      <p class="error" role="status">Prices or availability could not be loaded.</p>
    }
    <div class="table-wrap">
      <table data-testid="models">
        <caption class="visually-hidden">
          Models, prices and availability
        </caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Input</th>
            <th scope="col">Output</th>
            <th scope="col">Availability</th>
          </tr>
        </thead>
        <tbody>
          @for (r of rows(); track r.id) {
            <tr>
              <th scope="row">{{ r.id }}</th>
              <td>{{ r.input === undefined ? "—" : usd(r.input) }}</td>
              <td>{{ r.output === undefined ? "—" : usd(r.output) }}</td>
              <td>
                @if (r.providers > 0) {
                  <span class="badge ok">Available · {{ r.providers }} providers</span>
                } @else {
                  <span class="badge">Not served now</span>
                }
              </td>
            </tr>
          } @empty {
            <tr>
              <td colspan="4">{{ loading() ? "Loading…" : "No models yet." }}</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
  `,
})
export default class ModelsPage {
  private readonly api = inject(PublicApi);
  private readonly prices = toSignal(
    this.api.pricing().pipe(
      map((p) => p.data),
      catchError(() => of(null)),
    ),
  );
  private readonly stats = toSignal(this.api.stats().pipe(catchError(() => of(null))));
  protected readonly usd = usd;
  protected readonly failed = computed(() => this.prices() === null || this.stats() === null);
  protected readonly defaultPrice = computed(() => this.prices()?.find((p) => p.model === "*"));

  /** Rows wait for both answers, so a price is never shown as missing while it is on its way. */
  protected readonly loading = computed(
    () => this.prices() === undefined || this.stats() === undefined,
  );

  protected readonly rows = computed((): Row[] => {
    if (this.loading()) return [];
    const prices = this.prices() ?? [];
    const served = this.stats()?.models ?? [];
    const ids = new Set([
      ...served.map((m) => m.id),
      ...prices.filter((p) => p.model !== "*").map((p) => p.model),
    ]);
    return [...ids]
      .map((id) => {
        const price = priceOf(prices, id);
        return {
          id,
          providers: served.find((m) => m.id === id)?.providers ?? 0,
          input: price?.input_micro_usd_per_million,
          output: price?.output_micro_usd_per_million,
        };
      })
      .sort((a, b) => b.providers - a.providers || a.id.localeCompare(b.id));
  });
}
