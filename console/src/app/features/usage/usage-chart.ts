import { ChangeDetectionStrategy, Component, computed, input } from "@angular/core";
import { preciseUsd as usd } from "../../shared/format";
import type { UsageDay } from "./usage-api";

const WIDTH = 600;
const HEIGHT = 160;

/** Daily spend as an SVG bar chart; its numbers are also in a visually hidden table. */
@Component({
  selector: "app-usage-chart",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <figure class="chart">
      <svg
        [attr.viewBox]="'0 0 ' + width + ' ' + (height + 20)"
        role="img"
        [attr.aria-label]="label()"
        preserveAspectRatio="none"
        data-testid="usage-chart"
      >
        @for (b of bars(); track b.day) {
          <rect [attr.x]="b.x" [attr.y]="b.y" [attr.width]="b.w" [attr.height]="b.h">
            <title>{{ b.title }}</title>
          </rect>
        }
        <line x1="0" [attr.y1]="height" [attr.x2]="width" [attr.y2]="height" />
      </svg>
      <figcaption>{{ caption() }}</figcaption>
    </figure>
  `,
  styles: `
    .chart {
      margin: 1rem 0;
    }
    svg {
      width: 100%;
      height: 10rem;
      display: block;
    }
    rect {
      fill: var(--accent);
    }
    line {
      stroke: var(--border);
    }
    figcaption {
      color: var(--muted);
      font-size: 0.9rem;
    }
  `,
})
export class UsageChart {
  readonly days = input.required<UsageDay[]>();
  /** The window's first and last day (Unix seconds), so empty days show as gaps. */
  readonly since = input.required<number>();
  readonly until = input.required<number>();
  protected readonly width = WIDTH;
  protected readonly height = HEIGHT;

  protected readonly bars = computed(() => {
    const first = Math.floor(this.since() / 86_400);
    const count = Math.max(1, Math.floor(this.until() / 86_400) - first + 1);
    const max = Math.max(1, ...this.days().map((d) => d.cost_micro_usd));
    const slot = WIDTH / count;
    return this.days().map((d) => {
      const h = Math.max(1, Math.round((d.cost_micro_usd / max) * HEIGHT));
      return {
        day: d.day,
        x: (Math.floor(d.day / 86_400) - first) * slot + slot * 0.1,
        w: slot * 0.8,
        y: HEIGHT - h,
        h,
        title: `${dayLabel(d.day)}: ${usd(d.cost_micro_usd)}, ${d.requests} requests`,
      };
    });
  });

  protected readonly label = computed(() => {
    const total = this.days().reduce((s, d) => s + d.cost_micro_usd, 0);
    return `Spend per day: ${usd(total)} over ${this.days().length} days with usage`;
  });

  protected readonly caption = computed(
    () => `Spend per UTC day, ${dayLabel(this.since())} to ${dayLabel(this.until())}`,
  );
}

export function dayLabel(seconds: number): string {
  return new Date(seconds * 1000).toLocaleDateString("en-US", {
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });
}
