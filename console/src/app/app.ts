import { ChangeDetectionStrategy, Component, inject } from "@angular/core";
import { RouterLink, RouterLinkActive, RouterOutlet } from "@angular/router";
import { SessionService } from "./core/session";

/** The shell: skip link, navigation, the page. */
@Component({
  selector: "app-root",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  template: `
    <a class="skip-link" href="#main" (click)="skip($event)">Skip to content</a>
    <header class="top">
      <a class="brand" routerLink="/">Darkbloom</a>
      <nav aria-label="Main">
        <ul>
          <li>
            <a routerLink="/" routerLinkActive="active" [routerLinkActiveOptions]="{ exact: true }"
              >Network</a
            >
          </li>
          <li><a routerLink="/models" routerLinkActive="active">Models</a></li>
          <li><a routerLink="/device" routerLinkActive="active">Link a Mac</a></li>
          @if (session.signedIn()) {
            <li><a routerLink="/playground" routerLinkActive="active">Playground</a></li>
            <li><a routerLink="/keys" routerLinkActive="active">Keys</a></li>
            <li><a routerLink="/usage" routerLinkActive="active">Usage</a></li>
            <li><a routerLink="/billing" routerLinkActive="active">Billing</a></li>
          }
          @if (session.role() === "provider") {
            <li><a routerLink="/machines" routerLinkActive="active">My machines</a></li>
            <li><a routerLink="/payouts" routerLinkActive="active">Payouts</a></li>
          }
          @if (session.role() === "admin") {
            <li><a routerLink="/admin" routerLinkActive="active">Admin</a></li>
          }
          <li>
            @if (session.session(); as s) {
              <a routerLink="/sign-in" routerLinkActive="active">{{ s.name }}</a>
            } @else {
              <a routerLink="/sign-in" routerLinkActive="active">Sign in</a>
            }
          </li>
        </ul>
      </nav>
    </header>
    <main id="main" tabindex="-1">
      <router-outlet />
    </main>
  `,
})
export class App {
  protected readonly session = inject(SessionService);

  constructor() {
    // a cookie session (OpenID Connect sign-in) shows in the header from the first page
    void this.session.restore();
  }

  protected skip(event: Event): void {
    event.preventDefault();
    document.getElementById("main")?.focus();
  }
}
