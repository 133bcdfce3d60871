import { ChangeDetectionStrategy, Component, inject } from "@angular/core";
import { ActivatedRoute, Router } from "@angular/router";
import { SessionService } from "../../core/session";
import { ApiKeySignIn } from "../../shared/api-key-sign-in";

/** Sign-in (API key today; OpenID Connect sign-in and sign-up come here later). */
@Component({
  selector: "app-sign-in-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ApiKeySignIn],
  template: `
    <h1>Sign in</h1>
    @if (session.session(); as s) {
      <p role="status">
        Signed in as <strong>{{ s.name }}</strong> ({{ s.role }}).
        <button type="button" class="link" (click)="session.signOut()">Sign out</button>
      </p>
    } @else {
      <app-api-key-sign-in (signedIn)="done()" />
    }
  `,
})
export default class SignInPage {
  protected readonly session = inject(SessionService);
  private readonly router = inject(Router);
  private readonly next = inject(ActivatedRoute).snapshot.queryParamMap.get("next");

  protected done(): void {
    // Only a path inside the console: never an absolute URL from the query string.
    const next = this.next && /^\/(?!\/)/.test(this.next) ? this.next : "/";
    void this.router.navigateByUrl(next);
  }
}
