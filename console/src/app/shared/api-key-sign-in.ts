import { ChangeDetectionStrategy, Component, inject, output, signal } from "@angular/core";
import { SessionService, SignInError } from "../core/session";

/** "Sign in with an API key": checks the key, keeps it for this tab only. */
@Component({
  selector: "app-api-key-sign-in",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="card" (submit)="submit($event, key.value)" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in with an API key</h2>
      <p class="hint">
        The key stays in this browser tab only (not in a cookie) and is forgotten when you close it.
        It needs the <code>account:read</code> and <code>account:write</code> scopes.
      </p>
      <label for="api-key">API key</label>
      <input
        #key
        id="api-key"
        name="api-key"
        type="password"
        autocomplete="off"
        spellcheck="false"
        [attr.aria-invalid]="error() ? true : null"
        [attr.aria-describedby]="error() ? 'sign-in-error' : null"
        required
      />
      @if (error(); as message) {
        <p id="sign-in-error" class="error" role="alert">{{ message }}</p>
      }
      <button type="submit" [disabled]="busy()">{{ busy() ? "Checking…" : "Sign in" }}</button>
    </form>
  `,
})
export class ApiKeySignIn {
  private readonly session = inject(SessionService);
  readonly signedIn = output<void>();
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected async submit(event: Event, key: string): Promise<void> {
    event.preventDefault();
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.session.signInWithApiKey(key);
      this.signedIn.emit();
    } catch (err) {
      this.error.set(err instanceof SignInError ? err.message : "Sign-in failed. Try again.");
    } finally {
      this.busy.set(false);
    }
  }
}
