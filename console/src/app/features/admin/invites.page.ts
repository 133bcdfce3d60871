import { ChangeDetectionStrategy, Component, inject, signal } from "@angular/core";
import { usd } from "../../shared/format";
import { AdminApi, adminErrorMessage, type Invite } from "./admin-api";

/** Invite codes (sign-up on an invite-only network, with starting credit): list and create. */
@Component({
  selector: "app-invites-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Invites</h1>
    <form class="card" (submit)="create($event)" aria-labelledby="inv-title">
      <h2 id="inv-title">Create an invite</h2>
      <label for="inv-code">Code (optional: random when empty)</label>
      <input id="inv-code" name="code" pattern="[A-Za-z0-9_\\-]{4,64}" />
      <label for="inv-credit">Starting credit (USD)</label>
      <input id="inv-credit" name="credit" inputmode="decimal" required value="5" />
      <label for="inv-uses">Uses</label>
      <input
        id="inv-uses"
        name="uses"
        type="number"
        min="1"
        max="1000000"
        step="1"
        required
        value="1"
      />
      @if (formError(); as e) {
        <p class="error" role="alert">{{ e }}</p>
      }
      @if (created(); as c) {
        <p role="status" data-testid="created-invite">
          Invite <code>{{ c }}</code> created.
        </p>
      }
      <button type="submit">Create invite</button>
    </form>
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    <div class="table-wrap">
      <table data-testid="invites">
        <caption class="visually-hidden">
          Invite codes, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Code</th>
            <th scope="col">Credit</th>
            <th scope="col">Used</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          @for (i of invites(); track i.code) {
            <tr>
              <th scope="row">
                <code>{{ i.code }}</code>
              </th>
              <td>{{ usd(i.credit_micro_usd) }}</td>
              <td>{{ i.uses }} of {{ i.max_uses }}</td>
              <td>{{ date(i.created ?? 0) }}</td>
            </tr>
          } @empty {
            <tr>
              <td colspan="4">No invites yet.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
  `,
})
export default class InvitesPage {
  private readonly api = inject(AdminApi);
  protected readonly usd = usd;
  protected readonly invites = signal<Invite[]>([]);
  protected readonly created = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly formError = signal<string | null>(null);

  constructor() {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.invites.set(await this.api.invites());
    } catch (err) {
      this.error.set(adminErrorMessage(err));
    }
  }

  protected async create(event: Event): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const d = new FormData(form);
    const code = String(d.get("code") ?? "").trim();
    const credit = String(d.get("credit") ?? "").trim();
    const uses = Number(d.get("uses"));
    if (!/^\d+(\.\d{0,6})?$/.test(credit) || Number(credit) <= 0)
      return this.formError.set("Starting credit is an amount in USD above zero, such as 5.");
    if (!Number.isInteger(uses) || uses < 1)
      return this.formError.set("Uses is a whole number, 1 or more.");
    if (code !== "" && !/^[A-Za-z0-9_-]{4,64}$/.test(code))
      return this.formError.set("A code is 4 to 64 letters, digits, - or _.");
    this.formError.set(null);
    try {
      const invite = await this.api.createInvite({
        ...(code === "" ? {} : { code }),
        credit_micro_usd: Math.round(Number(credit) * 1_000_000),
        max_uses: uses,
      });
      this.created.set(invite.code);
      form.reset();
      await this.load();
    } catch (err) {
      this.formError.set(adminErrorMessage(err));
    }
  }

  protected date(seconds: number): string {
    return seconds > 0
      ? new Date(seconds * 1000).toLocaleDateString("en-US", { dateStyle: "medium" })
      : "—";
  }
}
