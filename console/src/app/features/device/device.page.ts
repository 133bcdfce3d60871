// The page `darkbloom login` points to (<coordinator>/device → /console/device?user_code=…):
// the signed-in account confirms the code shown in the terminal and approves (or denies) it.
import { ChangeDetectionStrategy, Component, inject, signal } from "@angular/core";
import { ActivatedRoute } from "@angular/router";
import {
  DeviceApi,
  normalizeUserCode,
  type DeviceDecision,
  type DeviceOutcome,
} from "../../core/device-api";
import { SessionService } from "../../core/session";
import { ApiKeySignIn } from "../../shared/api-key-sign-in";

const CODE_PATTERN = /^[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}$/;

@Component({
  selector: "app-device-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ApiKeySignIn],
  template: `
    <h1>Link a Mac to your account</h1>
    <p>
      Run <code>darkbloom login</code> on the Mac. It shows a code like <code>BCDF-GHJK</code>;
      approve it here and the Mac can serve models and earn for this account.
    </p>

    @if (!session.signedIn()) {
      <app-api-key-sign-in />
    } @else {
      @switch (outcome()?.ok) {
        @case (true) {
          <section class="card success" role="status" data-testid="device-done">
            <h2>{{ approved() ? "Mac linked" : "Request denied" }}</h2>
            @if (approved()) {
              <p>
                Code <strong>{{ code() }}</strong> is approved for
                <strong>{{ session.session()?.name }}</strong>. Go back to the terminal:
                <code>darkbloom login</code> finishes by itself.
              </p>
            } @else {
              <p>
                Code <strong>{{ code() }}</strong> was denied; that Mac was not linked.
              </p>
            }
            <button type="button" class="secondary" (click)="reset()">Link another Mac</button>
          </section>
        }
        @default {
          <form class="card" (submit)="decide($event, 'approve')" aria-labelledby="code-title">
            <h2 id="code-title">Confirm the code</h2>
            <p class="hint">
              Signed in as <strong>{{ session.session()?.name }}</strong>. Approve only a code you
              see on your own Mac's screen.
            </p>
            <label for="user-code">Code shown by <code>darkbloom login</code></label>
            <input
              id="user-code"
              name="user-code"
              autocomplete="off"
              autocapitalize="characters"
              spellcheck="false"
              placeholder="BCDF-GHJK"
              [value]="code()"
              (input)="code.set($any($event.target).value)"
              [attr.aria-invalid]="failure() ? true : null"
              [attr.aria-describedby]="failure() ? 'device-error' : null"
              required
            />
            @if (failure(); as f) {
              <p id="device-error" class="error" role="alert" data-testid="device-error">{{ f }}</p>
            }
            <div class="actions">
              <button type="submit" [disabled]="busy()">
                {{ busy() ? "Approving…" : "Approve" }}
              </button>
              <button
                type="button"
                class="secondary"
                [disabled]="busy()"
                (click)="decide($event, 'deny')"
              >
                Deny
              </button>
            </div>
          </form>
        }
      }
      <p>
        <button type="button" class="link" (click)="session.signOut()">Sign out</button>
      </p>
    }
  `,
})
export default class DevicePage {
  protected readonly session = inject(SessionService);
  private readonly api = inject(DeviceApi);
  private readonly query = inject(ActivatedRoute).snapshot.queryParamMap;
  protected readonly code = signal(
    normalizeUserCode(this.query.get("user_code") ?? this.query.get("code") ?? ""),
  );
  protected readonly busy = signal(false);
  protected readonly outcome = signal<DeviceOutcome | null>(null);
  protected readonly failure = signal<string | null>(null);
  protected readonly approved = signal(false);

  protected async decide(event: Event, decision: DeviceDecision): Promise<void> {
    event.preventDefault();
    const code = normalizeUserCode(this.code());
    this.code.set(code);
    if (!CODE_PATTERN.test(code)) {
      this.failure.set("Enter the 8-letter code shown in the terminal, like BCDF-GHJK.");
      return;
    }
    this.busy.set(true);
    this.failure.set(null);
    const outcome = await this.api.decide(code, decision);
    this.busy.set(false);
    if (outcome.ok) {
      this.approved.set(outcome.status === "approved");
      this.outcome.set(outcome);
      return;
    }
    this.failure.set(FAILURES[outcome.reason] ?? outcome.message);
    if (outcome.reason === "unauthorized") this.session.signOut();
  }

  protected reset(): void {
    this.outcome.set(null);
    this.code.set("");
  }
}

const FAILURES: Partial<Record<Exclude<DeviceOutcome, { ok: true }>["reason"], string>> = {
  unknown: "No pending request has this code. Check the letters, or run darkbloom login again.",
  expired: "This code has expired. Run darkbloom login again for a new one.",
  already_decided:
    "This code was already used. If your Mac is not linked, run darkbloom login again.",
  unauthorized:
    "Your API key may not approve devices (it needs the account:write scope). Sign in again.",
};
