import { ChangeDetectionStrategy, Component } from "@angular/core";
import { RouterLink, RouterLinkActive, RouterOutlet } from "@angular/router";

export const ADMIN_PAGES: ReadonlyArray<{ path: string; label: string }> = [
  { path: "fleet", label: "Fleet" },
  { path: "warm-pools", label: "Warm pools" },
  { path: "traffic", label: "Traffic" },
  { path: "ledger", label: "Ledger" },
  { path: "prices", label: "Prices" },
  { path: "releases", label: "Releases" },
  { path: "accounts", label: "Accounts" },
  { path: "invites", label: "Invites" },
];

/** The admin area: its own navigation above each admin page. */
@Component({
  selector: "app-admin-layout",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  template: `
    <nav aria-label="Admin" class="admin-nav">
      <ul>
        @for (p of pages; track p.path) {
          <li>
            <a [routerLink]="['/admin', p.path]" routerLinkActive="active">{{ p.label }}</a>
          </li>
        }
      </ul>
    </nav>
    <router-outlet />
  `,
  styles: `
    .admin-nav {
      border-bottom: 1px solid var(--border);
      margin-bottom: 1rem;
    }
  `,
})
export default class AdminLayout {
  protected readonly pages = ADMIN_PAGES;
}
