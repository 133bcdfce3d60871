import { ChangeDetectionStrategy, Component, inject, signal } from "@angular/core";
import type { Role } from "../../core/session";
import { usd } from "../../shared/format";
import { AdminApi, adminErrorMessage, type AdminAccount, type CreatedAccount } from "./admin-api";

/** Accounts (newest first, by role) with their balances; create one with its first key. */
@Component({
  selector: "app-accounts-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Accounts</h1>
    @if (created(); as c) {
      <section class="card success" aria-labelledby="acct-created" data-testid="created-account">
        <h2 id="acct-created" tabindex="-1">Account “{{ c.name }}” created</h2>
        <p>Its first key, shown once — hand it over now:</p>
        <label for="acct-key">First API key</label>
        <input id="acct-key" readonly [value]="c.api_key.key" />
        <button type="button" class="secondary" (click)="created.set(null)">Done</button>
      </section>
    }
    <form class="card" (submit)="create($event)" aria-labelledby="acct-title">
      <h2 id="acct-title">Create an account</h2>
      <label for="acct-name">Name</label>
      <input id="acct-name" name="name" required maxlength="200" />
      <label for="acct-role">Role</label>
      <select id="acct-role" name="role">
        <option value="consumer">Consumer</option>
        <option value="provider">Provider operator</option>
        <option value="admin">Admin</option>
      </select>
      @if (formError(); as e) {
        <p class="error" role="alert">{{ e }}</p>
      }
      <button type="submit">Create account</button>
    </form>

    <h2>All accounts</h2>
    <label for="acct-filter">Role</label>
    <select id="acct-filter" (change)="filter($event)">
      <option value="">Every role</option>
      <option value="consumer">Consumers</option>
      <option value="provider">Provider operators</option>
      <option value="admin">Admins</option>
    </select>
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    <div class="table-wrap">
      <table data-testid="accounts">
        <caption class="visually-hidden">
          Accounts, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Available</th>
            <th scope="col">Held</th>
            <th scope="col">Earned</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          @for (a of accounts(); track a.id) {
            <tr>
              <th scope="row">
                {{ a.name }}
                <div class="hint">
                  <code>{{ a.id }}</code>
                </div>
              </th>
              <td>{{ a.role }}</td>
              <td>{{ usd(a.available_micro_usd) }}</td>
              <td>{{ usd(a.held_micro_usd) }}</td>
              <td>{{ usd(a.earned_micro_usd) }}</td>
              <td>{{ date(a.created) }}</td>
            </tr>
          } @empty {
            <tr>
              <td colspan="6">No accounts.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
  `,
})
export default class AccountsPage {
  private readonly api = inject(AdminApi);
  protected readonly usd = usd;
  protected readonly accounts = signal<AdminAccount[]>([]);
  protected readonly role = signal<Role | "">("");
  protected readonly created = signal<CreatedAccount | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly formError = signal<string | null>(null);

  constructor() {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.accounts.set(await this.api.accounts(this.role()));
      this.error.set(null);
    } catch (err) {
      this.error.set(adminErrorMessage(err));
    }
  }

  protected filter(event: Event): void {
    this.role.set((event.target as HTMLSelectElement).value as Role | "");
    void this.load();
  }

  protected async create(event: Event): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const d = new FormData(form);
    const name = String(d.get("name") ?? "").trim();
    if (name === "") return this.formError.set("Give the account a name.");
    this.formError.set(null);
    try {
      this.created.set(await this.api.createAccount(name, String(d.get("role")) as Role));
      form.reset();
      await this.load();
      globalThis.document?.getElementById("acct-created")?.focus();
    } catch (err) {
      this.formError.set(adminErrorMessage(err));
    }
  }

  protected date(seconds: number): string {
    return new Date(seconds * 1000).toLocaleDateString("en-US", { dateStyle: "medium" });
  }
}
