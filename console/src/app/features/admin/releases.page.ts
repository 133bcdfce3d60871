import { ChangeDetectionStrategy, Component, signal } from "@angular/core";
import { AttestationService } from "../../../gen/darkbloom/v1/attestation_pb";
import { ReleaseService, type Release } from "../../../gen/darkbloom/v1/releases_pb";
import { injectClient } from "../../core/connect-transport";
import { adminErrorMessage } from "./admin-api";

const HEX64 = /^[0-9a-f]{64}$/;

/** Provider daemon releases: list, register one, and the version floor providers must meet. */
@Component({
  selector: "app-releases-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Releases</h1>
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    <div class="table-wrap">
      <table data-testid="releases">
        <caption class="visually-hidden">
          Registered releases, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Platforms</th>
            <th scope="col">Registered</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          @for (r of releases(); track r.version) {
            <tr>
              <th scope="row">{{ r.version }}</th>
              <td>{{ platforms(r) }}</td>
              <td>{{ date(r.createdAtMs) }}</td>
              <td>{{ r.notes }}</td>
            </tr>
          } @empty {
            <tr>
              <td colspan="4">No release registered.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>

    <form class="card" (submit)="register($event)" aria-labelledby="register-title">
      <h2 id="register-title">Register a release</h2>
      <label for="rel-version">Version (semver)</label>
      <input id="rel-version" name="version" required placeholder="1.4.0" />
      <label for="rel-platform">Platform</label>
      <input id="rel-platform" name="platform" required value="darwin-arm64" />
      <label for="rel-url">Artifact URL</label>
      <input id="rel-url" name="url" type="url" required />
      <label for="rel-sha">Artifact SHA-256 (hex)</label>
      <input id="rel-sha" name="sha256" required pattern="[0-9a-f]{64}" />
      <label for="rel-tree">Code tree SHA-256 (hex, optional)</label>
      <input id="rel-tree" name="tree" pattern="[0-9a-f]{64}" />
      <label for="rel-notes">Notes</label>
      <input id="rel-notes" name="notes" />
      @if (formError(); as e) {
        <p class="error" role="alert">{{ e }}</p>
      }
      @if (registered(); as v) {
        <p role="status">Registered {{ v }}.</p>
      }
      <button type="submit">Register</button>
    </form>

    <form class="card" (submit)="floor($event)" aria-labelledby="floor-title">
      <h2 id="floor-title">Minimum provider version</h2>
      <p class="hint">
        Connected providers below it are fenced (no new requests). Empty removes it.
      </p>
      <label for="floor-version">Minimum version</label>
      <input id="floor-version" name="floor" placeholder="1.3.0" />
      @if (floorResult(); as f) {
        <p role="status">{{ f }}</p>
      }
      <button type="submit" class="secondary">Set the floor</button>
    </form>
  `,
})
export default class ReleasesPage {
  private readonly api = injectClient(ReleaseService);
  private readonly attestation = injectClient(AttestationService);
  protected readonly releases = signal<Release[]>([]);
  protected readonly error = signal<string | null>(null);
  protected readonly formError = signal<string | null>(null);
  protected readonly registered = signal<string | null>(null);
  protected readonly floorResult = signal<string | null>(null);

  constructor() {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.releases.set((await this.api.listReleases({})).releases);
    } catch (err) {
      this.error.set(adminErrorMessage(err));
    }
  }

  protected async register(event: Event): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const d = new FormData(form);
    const field = (n: string) => String(d.get(n) ?? "").trim();
    if (!HEX64.test(field("sha256")) || (field("tree") !== "" && !HEX64.test(field("tree"))))
      return this.formError.set("SHA-256 digests are 64 lowercase hex characters.");
    this.formError.set(null);
    try {
      const r = await this.api.registerRelease({
        release: {
          version: field("version"),
          notes: field("notes"),
          artifacts: [
            {
              platform: field("platform"),
              url: field("url"),
              sha256: field("sha256"),
              treeSha256: field("tree"),
            },
          ],
        },
      });
      this.registered.set(r.release?.version ?? field("version"));
      form.reset();
      await this.load();
    } catch (err) {
      this.formError.set(adminErrorMessage(err));
    }
  }

  protected async floor(event: Event): Promise<void> {
    event.preventDefault();
    const minVersion = String(
      new FormData(event.target as HTMLFormElement).get("floor") ?? "",
    ).trim();
    try {
      const r = await this.attestation.setVersionFloor({ minVersion });
      this.floorResult.set(
        minVersion === ""
          ? "The version floor is removed."
          : `Floor set to ${minVersion}; ${r.fencedProviderIds.length} provider(s) fenced.`,
      );
    } catch (err) {
      this.floorResult.set(adminErrorMessage(err));
    }
  }

  protected platforms(r: Release): string {
    return r.artifacts.map((a) => a.platform).join(", ");
  }

  protected date(ms: bigint): string {
    return new Date(Number(ms)).toLocaleString("en-US", {
      dateStyle: "medium",
      timeStyle: "short",
    });
  }
}
