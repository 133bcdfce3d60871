import { ChangeDetectionStrategy, Component, inject, signal } from "@angular/core";
import { ActivatedRoute, Router } from "@angular/router";
import { SessionService, safeNext, type AuthConfig } from "../../core/session";
import { ApiKeySignIn } from "../../shared/api-key-sign-in";
import { signInErrorMessage } from "./sign-in-errors";

/**
 * Sign in or sign up with the network's identity provider (OpenID Connect: the coordinator
 * runs the code flow and sets an HttpOnly session cookie), or sign in with an API key.
 */
@Component({
  selector: "app-sign-in-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ApiKeySignIn],
  template: `
    <h1>Sign in</h1>
    @if (session.session(); as s) {
      <p role="status" data-testid="signed-in">
        Signed in as <strong>{{ s.name }}</strong> ({{ roleName(s.role) }}){{
          s.kind === "cookie" ? "" : " with an API key"
        }}.
        <button type="button" class="link" (click)="signOut()">Sign out</button>
      </p>
    } @else {
      @if (error; as message) {
        <p class="error" role="alert" data-testid="sign-in-error">{{ message }}</p>
      }
      @if (config()?.oidc?.enabled) {
        <form
          class="card"
          (submit)="startOidc($event, invite.value, referral.value)"
          aria-labelledby="sso-title"
        >
          <h2 id="sso-title">Sign in or create an account</h2>
          <p class="hint">
            With your identity provider. Your first sign-in creates your Darkbloom account.
          </p>
          <label for="invite"
            >Invite code{{
              config()?.oidc?.invite_required ? " (needed for a new account)" : " (optional)"
            }}</label
          >
          <input
            #invite
            id="invite"
            name="invite"
            autocomplete="off"
            spellcheck="false"
            [value]="inviteParam"
          />
          <label for="referral">Referral code (optional)</label>
          <input
            #referral
            id="referral"
            name="referral"
            autocomplete="off"
            spellcheck="false"
            [value]="referralParam"
          />
          <button type="submit">Continue with single sign-on</button>
        </form>
      }
      <app-api-key-sign-in (signedIn)="done()" />
    }
  `,
})
export default class SignInPage {
  protected readonly session = inject(SessionService);
  private readonly router = inject(Router);
  private readonly query = inject(ActivatedRoute).snapshot.queryParamMap;
  private readonly next = safeNext(this.query.get("next"));
  protected readonly error = signInErrorMessage(this.query.get("error"));
  protected readonly inviteParam = this.query.get("invite") ?? "";
  protected readonly referralParam = this.query.get("ref") ?? this.query.get("referral") ?? "";
  protected readonly config = signal<AuthConfig | null>(null);

  constructor() {
    void this.session.authConfig().then((c) => this.config.set(c));
    void this.session.restore();
  }

  protected roleName(role: string): string {
    return role === "provider" ? "provider operator" : role;
  }

  protected startOidc(event: Event, invite: string, referral: string): void {
    event.preventDefault();
    globalThis.location.assign(this.session.oidcStartUrl(this.next, { invite, referral }));
  }

  protected signOut(): void {
    void this.session.signOut();
  }

  protected done(): void {
    void this.router.navigateByUrl(this.next);
  }
}
