import { ChangeDetectionStrategy, Component, signal } from "@angular/core";
import { RoutingService, type WarmPoolModelStatus } from "../../../gen/darkbloom/v1/routing_pb";
import { injectClient } from "../../core/connect-transport";
import { adminErrorMessage } from "./admin-api";
import { pollWhileOpen } from "./poll";

/** One model's target as edited (the wire's WarmPoolTarget, plain). */
export interface TargetDraft {
  model: string;
  minWarmProviders: number;
  maxWarmProviders: number;
  targetUtilizationPercent: number;
  maxLoadsPerMinute: number;
}

type NumberField = Exclude<keyof TargetDraft, "model">;

const FIELDS: ReadonlyArray<{ key: NumberField; label: string; max: number }> = [
  { key: "minWarmProviders", label: "Min warm", max: 1_000_000 },
  { key: "maxWarmProviders", label: "Max warm (0 = no cap)", max: 1_000_000 },
  { key: "targetUtilizationPercent", label: "Grow above utilization %", max: 100 },
  { key: "maxLoadsPerMinute", label: "Loads per minute (0 = any)", max: 1_000_000 },
];

/** Problems the server would refuse, found before asking it. */
export function draftProblems(drafts: readonly TargetDraft[]): string | null {
  const models = drafts.map((d) => d.model.trim());
  if (models.some((m) => m === "")) return "Every target needs a model.";
  if (new Set(models).size !== models.length) return "Each model may appear once.";
  for (const d of drafts) {
    for (const f of FIELDS) {
      const v = d[f.key];
      if (!Number.isInteger(v) || v < 0 || v > f.max)
        return `${d.model}: ${f.label} must be a whole number from 0 to ${f.max}.`;
    }
    if (d.maxWarmProviders > 0 && d.minWarmProviders > d.maxWarmProviders)
      return `${d.model}: min warm is above max warm.`;
  }
  return null;
}

/** The warm-pool policy (stored in Postgres: any replica's controller follows it) and its status. */
@Component({
  selector: "app-warm-pools-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Warm pools</h1>
    <p>
      How many providers keep each model loaded. The policy is stored by the coordinator; the
      controller loads and unloads models to follow it.
    </p>

    <h2>Status</h2>
    <div class="table-wrap">
      <table data-testid="warm-pool-status">
        <caption class="visually-hidden">
          Warm pool status per model
        </caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Target</th>
            <th scope="col">Warm</th>
            <th scope="col">Loading</th>
            <th scope="col">Failed loads</th>
          </tr>
        </thead>
        <tbody>
          @for (s of status(); track s.model) {
            <tr>
              <th scope="row">{{ s.model }}</th>
              <td>{{ s.target }}</td>
              <td>{{ s.warm }}</td>
              <td>{{ s.loading }}</td>
              <td>{{ s.failedLoads }}</td>
            </tr>
          } @empty {
            <tr>
              <td colspan="5">No model has a warm pool.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>

    @if (loaded()) {
      <form
        class="card"
        (submit)="save($event)"
        aria-labelledby="policy-title"
        data-testid="policy-form"
      >
        <h2 id="policy-title">Policy</h2>
        @for (d of drafts(); track $index; let i = $index) {
          <fieldset [attr.data-testid]="'target-' + i">
            <legend>{{ d.model || "New model" }}</legend>
            <label [for]="'model-' + i">Model</label>
            <input
              [id]="'model-' + i"
              [value]="d.model"
              list="known-models"
              required
              (input)="edit(i, 'model', $event)"
            />
            <div class="fields">
              @for (f of fields; track f.key) {
                <div>
                  <label [for]="f.key + '-' + i">{{ f.label }}</label>
                  <input
                    [id]="f.key + '-' + i"
                    type="number"
                    min="0"
                    [max]="f.max"
                    step="1"
                    inputmode="numeric"
                    [value]="d[f.key]"
                    (input)="edit(i, f.key, $event)"
                  />
                </div>
              }
            </div>
            <button
              type="button"
              class="secondary"
              (click)="remove(i)"
              [attr.aria-label]="'Remove ' + (d.model || 'this target')"
            >
              Remove
            </button>
          </fieldset>
        }
        <datalist id="known-models">
          @for (m of models(); track m) {
            <option [value]="m"></option>
          }
        </datalist>
        <p>
          <button type="button" class="secondary" (click)="add()">Add a model</button>
        </p>
        @if (formError(); as e) {
          <p class="error" role="alert">{{ e }}</p>
        }
        @if (saved()) {
          <p class="success" role="status">
            Saved: the policy below is as the coordinator stored it.
          </p>
        }
        <button type="submit" [disabled]="busy()">{{ busy() ? "Saving…" : "Save policy" }}</button>
      </form>
    } @else {
      <p class="card" role="status" data-testid="policy-loading">Loading the policy…</p>
    }
  `,
  styles: `
    fieldset {
      border: 1px solid var(--border);
      border-radius: 0.5rem;
      margin: 0 0 0.75rem;
    }
    .fields {
      display: flex;
      flex-wrap: wrap;
      gap: 0 0.75rem;
    }
    .fields > div {
      flex: 1 1 10rem;
    }
  `,
})
export default class WarmPoolsPage {
  private readonly routing = injectClient(RoutingService);
  protected readonly fields = FIELDS;
  protected readonly drafts = signal<TargetDraft[]>([]);
  protected readonly status = signal<WarmPoolModelStatus[]>([]);
  protected readonly models = signal<string[]>([]);
  protected readonly busy = signal(false);
  protected readonly saved = signal(false);
  protected readonly formError = signal<string | null>(null);
  /** The form shows once the stored policy is in: a model added before would be overwritten. */
  protected readonly loaded = signal(false);

  constructor() {
    void this.loadPolicy();
    pollWhileOpen(() => this.loadStatus());
  }

  private async loadPolicy(): Promise<void> {
    try {
      const [{ targets }, { models }] = await Promise.all([
        this.routing.getWarmPoolPolicy({}),
        this.routing.listModels({}),
      ]);
      this.drafts.set(
        targets.map((t) => ({
          model: t.model,
          minWarmProviders: t.minWarmProviders,
          maxWarmProviders: t.maxWarmProviders,
          targetUtilizationPercent: t.targetUtilizationPercent,
          maxLoadsPerMinute: t.maxLoadsPerMinute,
        })),
      );
      this.models.set(models.map((m) => m.id));
    } catch (err) {
      this.formError.set(adminErrorMessage(err));
    } finally {
      this.loaded.set(true);
    }
  }

  private async loadStatus(): Promise<void> {
    try {
      this.status.set((await this.routing.getWarmPoolStatus({})).models);
    } catch {
      // the policy form shows the error of the same calls
    }
  }

  protected edit(i: number, key: keyof TargetDraft, event: Event): void {
    const raw = (event.target as HTMLInputElement).value;
    this.saved.set(false);
    this.drafts.update((ds) =>
      ds.map((d, k) =>
        k !== i ? d : { ...d, [key]: key === "model" ? raw.trim() : raw === "" ? 0 : Number(raw) },
      ),
    );
  }

  protected add(): void {
    this.saved.set(false);
    this.drafts.update((ds) => [
      ...ds,
      {
        model: "",
        minWarmProviders: 1,
        maxWarmProviders: 0,
        targetUtilizationPercent: 0,
        maxLoadsPerMinute: 0,
      },
    ]);
    setTimeout(() =>
      globalThis.document?.getElementById(`model-${this.drafts().length - 1}`)?.focus(),
    );
  }

  protected remove(i: number): void {
    this.saved.set(false);
    this.drafts.update((ds) => ds.filter((_, k) => k !== i));
  }

  protected async save(event: Event): Promise<void> {
    event.preventDefault();
    const problem = draftProblems(this.drafts());
    if (problem) return this.formError.set(problem);
    this.busy.set(true);
    this.formError.set(null);
    try {
      await this.routing.setWarmPoolPolicy({ targets: this.drafts() });
      await this.loadPolicy();
      await this.loadStatus();
      this.saved.set(true);
    } catch (err) {
      this.formError.set(adminErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }
}
