import { ChangeDetectionStrategy, Component, computed, input } from "@angular/core";

export interface Series {
  name: string;
  values: number[];
}

const WIDTH = 600;
const HEIGHT = 140;
const COLORS = ["var(--accent)", "#b35c00", "#6b3fa0"];

/** A small SVG line chart over equally spaced points (one per interval), with a legend. */
@Component({
  selector: "app-line-chart",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <figure>
      <svg
        [attr.viewBox]="'0 0 ' + width + ' ' + (height + 4)"
        role="img"
        [attr.aria-label]="label()"
        preserveAspectRatio="none"
      >
        <line x1="0" [attr.y1]="height" [attr.x2]="width" [attr.y2]="height" class="axis" />
        @for (p of paths(); track p.name) {
          <polyline [attr.points]="p.points" [attr.stroke]="p.color" />
        }
      </svg>
      <figcaption>
        <strong>{{ title() }}</strong> (max {{ max().toFixed(digits()) }} {{ unit() }})
        @for (p of paths(); track p.name) {
          <span class="key"
            ><span class="swatch" [style.background]="p.color"></span>{{ p.name }}</span
          >
        }
      </figcaption>
    </figure>
  `,
  styles: `
    figure {
      margin: 1rem 0;
    }
    svg {
      width: 100%;
      height: 8rem;
      display: block;
    }
    polyline {
      fill: none;
      stroke-width: 2;
      vector-effect: non-scaling-stroke;
    }
    .axis {
      stroke: var(--border);
    }
    figcaption {
      font-size: 0.9rem;
      color: var(--muted);
    }
    .key {
      margin-left: 0.75rem;
      white-space: nowrap;
    }
    .swatch {
      display: inline-block;
      width: 0.8rem;
      height: 0.3rem;
      margin-right: 0.25rem;
      vertical-align: middle;
    }
  `,
})
export class LineChart {
  readonly title = input.required<string>();
  readonly unit = input("");
  readonly digits = input(0);
  readonly series = input.required<Series[]>();
  protected readonly width = WIDTH;
  protected readonly height = HEIGHT;
  protected readonly max = computed(() => Math.max(0, ...this.series().flatMap((s) => s.values)));
  protected readonly paths = computed(() => {
    const top = this.max() || 1;
    return this.series().map((s, k) => {
      const step = s.values.length > 1 ? WIDTH / (s.values.length - 1) : 0;
      return {
        name: s.name,
        color: COLORS[k % COLORS.length] ?? "black",
        points: s.values
          .map((v, i) => `${(i * step).toFixed(1)},${(HEIGHT - (v / top) * HEIGHT).toFixed(1)}`)
          .join(" "),
      };
    });
  });
  protected readonly label = computed(
    () =>
      `${this.title()}: ${this.series()
        .map((s) => `${s.name} latest ${(s.values.at(-1) ?? 0).toFixed(this.digits())}`)
        .join(", ")} ${this.unit()}`,
  );
}
