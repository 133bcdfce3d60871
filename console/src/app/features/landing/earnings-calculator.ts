import { ChangeDetectionStrategy, Component, computed, input, signal } from "@angular/core";
import { priceOf, type ModelPrice } from "../../core/public-api";
import { compactNumber, usd } from "../../shared/format";
import { CHIPS, estimateEarnings, PROVIDER_SHARE } from "./earnings";

/** "What would my Mac earn?": chip, memory, hours per day → tokens and dollars at real prices. */
@Component({
  selector: "app-earnings-calculator",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-labelledby="calc-title">
      <h2 id="calc-title">What would your Mac earn?</h2>
      <div class="form-grid">
        <label for="calc-chip">Chip</label>
        <select id="calc-chip" (change)="pickChip($any($event.target).value)">
          @for (c of chips; track c.id) {
            <option [value]="c.id" [selected]="c.id === chip().id">{{ c.name }}</option>
          }
        </select>
        <label for="calc-memory">Memory</label>
        <select id="calc-memory" (change)="memoryGb.set(+$any($event.target).value)">
          @for (m of chip().memoryOptionsGb; track m) {
            <option [value]="m" [selected]="m === memoryGb()">{{ m }} GB</option>
          }
        </select>
        <label for="calc-hours">Hours online per day</label>
        <input
          id="calc-hours"
          type="number"
          min="0"
          max="24"
          step="1"
          [value]="hoursPerDay()"
          (input)="hoursPerDay.set(+$any($event.target).value)"
        />
        <label for="calc-model">Priced as</label>
        <select id="calc-model" (change)="model.set($any($event.target).value)">
          @for (p of prices(); track p.model) {
            <option [value]="p.model" [selected]="p.model === model()">
              {{ p.model === "*" ? "Default price" : p.model }}
            </option>
          }
        </select>
      </div>
      @if (estimate(); as e) {
        <p class="result" aria-live="polite" data-testid="earnings">
          About <strong>{{ usd(e.earningsMicroUsdPerMonth) }}</strong> a month ({{
            usd(e.earningsMicroUsdPerDay)
          }}
          a day)
        </p>
        <p class="hint">
          A {{ e.modelSize }} model at ~{{ e.tokensPerSecond }} tokens/s, busy half of the
          {{ hoursPerDay() }} hours: {{ compact(e.tokensPerDay) }} tokens a day at
          {{ usd(outputPrice()) }} per million output tokens; you keep {{ share }}% of what
          consumers pay. An estimate, not a promise: earnings follow demand.
        </p>
      } @else {
        <p class="hint">Loading prices…</p>
      }
    </section>
  `,
})
export class EarningsCalculator {
  readonly prices = input.required<readonly ModelPrice[]>();
  protected readonly chips = CHIPS;
  protected readonly share = Math.round(PROVIDER_SHARE * 100);
  protected readonly chip = signal(CHIPS.find((c) => c.id === "m4-pro") ?? CHIPS[0]!);
  protected readonly memoryGb = signal(48);
  protected readonly hoursPerDay = signal(12);
  protected readonly model = signal("*");
  protected readonly usd = usd;
  protected readonly compact = compactNumber;

  protected readonly outputPrice = computed(
    () => priceOf(this.prices(), this.model())?.output_micro_usd_per_million ?? 0,
  );
  protected readonly estimate = computed(() =>
    this.prices().length === 0
      ? null
      : estimateEarnings({
          chip: this.chip(),
          memoryGb: this.memoryGb(),
          hoursPerDay: this.hoursPerDay(),
          utilization: 0.5,
          outputMicroUsdPerMillion: this.outputPrice(),
        }),
  );

  protected pickChip(id: string): void {
    const chip = CHIPS.find((c) => c.id === id);
    if (!chip) return;
    this.chip.set(chip);
    if (!chip.memoryOptionsGb.includes(this.memoryGb()))
      this.memoryGb.set(chip.memoryOptionsGb[chip.memoryOptionsGb.length - 1]!);
  }
}
