import { ChangeDetectionStrategy, Component, inject, signal } from "@angular/core";
import { apiErrorMessage } from "../../core/api-error";
import { usd } from "../../shared/format";
import {
  KeysApi,
  type ApiKey,
  type BudgetPeriod,
  type CreatedKey,
  type KeyScope,
} from "./keys-api";

const SCOPES: ReadonlyArray<{ id: KeyScope; label: string }> = [
  { id: "inference", label: "Inference (chat, completions, models)" },
  { id: "account:read", label: "Read the account (usage, keys, balance)" },
  { id: "account:write", label: "Act for the account (keys, deposits)" },
];

/** Reads the create form: a name, scopes, and optional limits (blank = none). */
export function readKeyForm(form: HTMLFormElement): {
  name: string;
  scopes: KeyScope[];
  rpm_limit: number | null;
  tpm_limit: number | null;
  budget_micro_usd: number | null;
  budget_period: BudgetPeriod;
} {
  const data = new FormData(form);
  const whole = (name: string): number | null => {
    const v = String(data.get(name) ?? "").trim();
    return v === "" ? null : Number(v);
  };
  const budget = String(data.get("budget") ?? "").trim();
  return {
    name: String(data.get("name") ?? "").trim(),
    scopes: data.getAll("scopes").map(String) as KeyScope[],
    rpm_limit: whole("rpm"),
    tpm_limit: whole("tpm"),
    budget_micro_usd: budget === "" ? null : Math.round(Number(budget) * 1_000_000),
    budget_period: String(data.get("period") ?? "month") as BudgetPeriod,
  };
}

/** The account's API keys: create (the secret shown once), name, scopes, limits, revoke. */
@Component({
  selector: "app-keys-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>API keys</h1>
    <p>
      Keys call the OpenAI-compatible API at <code>{{ origin }}/v1</code>. A key is shown once, when
      it is created; the coordinator keeps only its hash.
    </p>

    @if (created(); as k) {
      <section class="card success" aria-labelledby="created-title" data-testid="created-key">
        <h2 id="created-title" tabindex="-1">Key “{{ k.name }}” created</h2>
        <p>Copy it now: it will not be shown again.</p>
        <label for="new-key">Your new key</label>
        <input id="new-key" readonly [value]="k.key" data-testid="new-key-secret" />
        <button type="button" (click)="copy(k.key)">{{ copied() ? "Copied" : "Copy" }}</button>
        <button type="button" class="secondary" (click)="created.set(null)">Done</button>
      </section>
    }

    <form class="card" (submit)="create($event)" aria-labelledby="create-title">
      <h2 id="create-title">Create a key</h2>
      <label for="key-name">Name</label>
      <input id="key-name" name="name" required maxlength="200" placeholder="laptop" />
      <fieldset>
        <legend>Scopes</legend>
        @for (s of scopes; track s.id) {
          <label class="check">
            <input type="checkbox" name="scopes" [value]="s.id" [checked]="s.id === 'inference'" />
            {{ s.label }}
          </label>
        }
      </fieldset>
      <details>
        <summary>Limits (optional)</summary>
        <label for="key-rpm">Requests per minute</label>
        <input id="key-rpm" name="rpm" type="number" min="1" step="1" inputmode="numeric" />
        <label for="key-tpm">Tokens per minute</label>
        <input id="key-tpm" name="tpm" type="number" min="1" step="1" inputmode="numeric" />
        <label for="key-budget">Budget (USD)</label>
        <input
          id="key-budget"
          name="budget"
          type="number"
          min="0"
          step="0.01"
          inputmode="decimal"
        />
        <label for="key-period">Budget period</label>
        <select id="key-period" name="period">
          <option value="day">Day</option>
          <option value="week">Week</option>
          <option value="month" selected>Month</option>
        </select>
      </details>
      @if (formError(); as e) {
        <p class="error" role="alert">{{ e }}</p>
      }
      <button type="submit" [disabled]="busy()">{{ busy() ? "Creating…" : "Create key" }}</button>
    </form>

    <h2>Your keys</h2>
    @if (loadError(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    <div class="table-wrap">
      <table data-testid="keys">
        <caption class="visually-hidden">
          Your API keys
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Scopes</th>
            <th scope="col">Limits</th>
            <th scope="col">Last used</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          @for (k of keys(); track k.id) {
            <tr [class.revoked]="k.revoked !== null">
              <th scope="row">{{ k.name }}</th>
              <td>
                <code>{{ k.prefix }}…</code>
              </td>
              <td>{{ k.scopes.join(", ") }}</td>
              <td>{{ limits(k) }}</td>
              <td>{{ k.last_used === null ? "never" : date(k.last_used) }}</td>
              <td>
                @if (k.revoked !== null) {
                  <span class="badge">Revoked</span>
                } @else if (confirming() === k.id) {
                  <span role="group" [attr.aria-label]="'Revoke ' + k.name + '?'">
                    <button type="button" (click)="revoke(k)">Yes, revoke</button>
                    <button type="button" class="secondary" (click)="confirming.set(null)">
                      Keep
                    </button>
                  </span>
                } @else {
                  <button
                    type="button"
                    class="secondary"
                    [attr.aria-label]="'Revoke ' + k.name"
                    (click)="confirming.set(k.id)"
                  >
                    Revoke
                  </button>
                }
              </td>
            </tr>
          } @empty {
            <tr>
              <td colspan="6">No keys yet.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
  `,
  styles: `
    fieldset {
      border: 1px solid var(--border);
      border-radius: 0.5rem;
      margin: 0.75rem 0 0;
    }
    label.check {
      display: flex;
      gap: 0.5rem;
      align-items: center;
      font-weight: normal;
      margin-top: 0.25rem;
    }
    label.check input {
      width: auto;
      margin: 0;
      min-width: 1.25rem;
      min-height: 1.25rem;
    }
    summary {
      margin-top: 0.75rem;
      cursor: pointer;
    }
  `,
})
export default class KeysPage {
  private readonly api = inject(KeysApi);
  protected readonly scopes = SCOPES;
  protected readonly origin = globalThis.location?.origin ?? "";
  protected readonly keys = signal<ApiKey[]>([]);
  protected readonly created = signal<CreatedKey | null>(null);
  protected readonly copied = signal(false);
  protected readonly busy = signal(false);
  protected readonly confirming = signal<string | null>(null);
  protected readonly formError = signal<string | null>(null);
  protected readonly loadError = signal<string | null>(null);

  constructor() {
    void this.load();
  }

  protected async load(): Promise<void> {
    try {
      this.keys.set(await this.api.list());
      this.loadError.set(null);
    } catch (err) {
      this.loadError.set(apiErrorMessage(err));
    }
  }

  protected async create(event: Event): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const input = readKeyForm(form);
    if (input.name === "") return this.formError.set("Give the key a name.");
    if (input.scopes.length === 0) return this.formError.set("Choose at least one scope.");
    this.busy.set(true);
    this.formError.set(null);
    try {
      const created = await this.api.create(input);
      this.copied.set(false);
      this.created.set(created);
      form.reset();
      await this.load();
      globalThis.document?.getElementById("created-title")?.focus();
    } catch (err) {
      this.formError.set(apiErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async revoke(key: ApiKey): Promise<void> {
    this.confirming.set(null);
    try {
      await this.api.revoke(key.id);
      await this.load();
    } catch (err) {
      this.loadError.set(apiErrorMessage(err));
    }
  }

  protected async copy(secret: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(secret);
      this.copied.set(true);
    } catch {
      // No clipboard (insecure origin or denied): the field stays selectable.
      (globalThis.document?.getElementById("new-key") as HTMLInputElement | null)?.select();
    }
  }

  protected limits(k: ApiKey): string {
    const parts: string[] = [];
    if (k.rpm_limit !== null) parts.push(`${k.rpm_limit} req/min`);
    if (k.tpm_limit !== null) parts.push(`${k.tpm_limit} tok/min`);
    if (k.budget_micro_usd !== null) parts.push(`${usd(k.budget_micro_usd)}/${k.budget_period}`);
    return parts.length === 0 ? "none" : parts.join(", ");
  }

  protected date(seconds: number): string {
    return new Date(seconds * 1000).toLocaleString("en-US", {
      dateStyle: "medium",
      timeStyle: "short",
    });
  }
}
