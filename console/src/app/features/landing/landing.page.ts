import { ChangeDetectionStrategy, Component, InjectionToken, inject, signal } from "@angular/core";
import { takeUntilDestroyed } from "@angular/core/rxjs-interop";
import { RouterLink } from "@angular/router";
import { catchError, of, switchMap, timer } from "rxjs";
import { PublicApi, type ModelPrice, type NetworkStats } from "../../core/public-api";
import { compactNumber } from "../../shared/format";
import { EarningsCalculator } from "./earnings-calculator";

/** How often the landing page refreshes the stats (the endpoint caches them for 5 s). */
export const STATS_REFRESH_MS = new InjectionToken<number>("STATS_REFRESH_MS", {
  factory: () => 5_000,
});

@Component({
  selector: "app-landing-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [EarningsCalculator, RouterLink],
  template: `
    <section class="hero">
      <h1>Private inference on Macs, paid per token</h1>
      <p>
        Darkbloom routes OpenAI- and Anthropic-compatible requests to Apple silicon machines whose
        hardware and software are attested. Mac owners earn 95% of what their machine serves.
      </p>
      <p class="actions">
        <a class="button" routerLink="/models">See models and prices</a>
        <a class="button secondary" routerLink="/device">Link a Mac</a>
      </p>
    </section>

    <section aria-labelledby="stats-title">
      <h2 id="stats-title">The network right now</h2>
      @if (error()) {
        <p class="error" role="status">Live stats are unavailable right now.</p>
      }
      @if (stats(); as s) {
        <dl class="stats" data-testid="stats">
          <div>
            <dt>Providers online</dt>
            <dd data-testid="providers-online">{{ s.providers_online }}</dd>
          </div>
          <div>
            <dt>Models served</dt>
            <dd data-testid="models-served">{{ s.models.length }}</dd>
          </div>
          <div>
            <dt>Tokens served today</dt>
            <dd data-testid="tokens-today">
              {{ s.tokens_served_today ? compact(s.tokens_served_today.total) : "—" }}
            </dd>
          </div>
          <div>
            <dt>Hardware-attested</dt>
            <dd data-testid="hardware-attested">
              {{ s.trust_levels.hardware + s.trust_levels.hardware_mda }}
            </dd>
          </div>
        </dl>
        <h3>Trust levels</h3>
        <ul class="trust" data-testid="trust-levels">
          <li>Hardware + MDM: {{ s.trust_levels.hardware_mda }}</li>
          <li>Hardware: {{ s.trust_levels.hardware }}</li>
          <li>Software: {{ s.trust_levels.software }}</li>
          <li>None: {{ s.trust_levels.none }}</li>
        </ul>
        <h3>Capacity by model</h3>
        @if (s.models.length === 0) {
          <p>No model is being served at the moment.</p>
        } @else {
          <div class="table-wrap">
            <table data-testid="capacity">
              <caption class="visually-hidden">
                Capacity by model
              </caption>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Providers</th>
                  <th scope="col">Warm slots</th>
                  <th scope="col">Running</th>
                </tr>
              </thead>
              <tbody>
                @for (m of s.models; track m.id) {
                  <tr>
                    <th scope="row">{{ m.id }}</th>
                    <td>{{ m.providers }}</td>
                    <td>{{ m.warm_slots }}</td>
                    <td>{{ m.running }}</td>
                  </tr>
                }
              </tbody>
            </table>
          </div>
        }
      } @else if (!error()) {
        <p role="status">Loading live stats…</p>
      }
    </section>

    <app-earnings-calculator [prices]="prices()" />
  `,
})
export default class LandingPage {
  private readonly api = inject(PublicApi);
  protected readonly stats = signal<NetworkStats | null>(null);
  protected readonly error = signal(false);
  protected readonly prices = signal<readonly ModelPrice[]>([]);
  protected readonly compact = compactNumber;

  constructor() {
    timer(0, inject(STATS_REFRESH_MS))
      .pipe(
        switchMap(() => this.api.stats().pipe(catchError(() => of(null)))),
        takeUntilDestroyed(),
      )
      .subscribe((s) => {
        this.error.set(s === null);
        if (s) this.stats.set(s);
      });
    this.api
      .pricing()
      .pipe(takeUntilDestroyed())
      .subscribe({ next: (p) => this.prices.set(p.data), error: () => this.prices.set([]) });
  }
}
