import { ChangeDetectionStrategy, Component, computed, input } from "@angular/core";
import type { SealedEvidence } from "./sealed-chat";

const LABEL: Record<string, string> = {
  none: "Unverified",
  software: "Software attested",
  hardware: "Hardware attested",
  hardware_mda: "Hardware attested (MDA)",
};

/** The trust badge of a sealed reply and the evidence this browser verified. */
@Component({
  selector: "app-trust-badge",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="badge" [class.ok]="verified() !== 'none'" data-testid="trust-badge">
      Sealed · {{ label(verified()) }}
    </span>
    <details data-testid="trust-evidence">
      <summary>Verified evidence</summary>
      <dl>
        <dt>Provider</dt>
        <dd>
          <code>{{ evidence().provider_id }}</code>
        </dd>
        <dt>Trust verified in this browser</dt>
        <dd data-testid="verified-trust">{{ label(verified()) }}</dd>
        <dt>Trust the coordinator claims</dt>
        <dd>{{ label(evidence().trust_level) }}</dd>
        <dt>Sealed to key</dt>
        <dd>
          <code>{{ evidence().key_fingerprint }}</code>
        </dd>
        <dt>Identity key</dt>
        <dd>
          <code>{{ evidence().identity_fingerprint || "—" }}</code>
        </dd>
      </dl>
    </details>
  `,
  styles: `
    :host {
      display: block;
      margin-top: 0.25rem;
    }
    dl {
      display: grid;
      grid-template-columns: minmax(0, max-content) minmax(0, 1fr);
      gap: 0.25rem 0.75rem;
      margin: 0.5rem 0 0;
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    summary {
      cursor: pointer;
      color: var(--accent);
    }
  `,
})
export class TrustBadge {
  readonly evidence = input.required<SealedEvidence>();
  protected readonly verified = computed(() => this.evidence().verified_trust_level || "none");

  protected label(level: string): string {
    return LABEL[level] ?? level;
  }
}
