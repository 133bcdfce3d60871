// One cursor pager for the console's paged tables (billing history, usage, payouts): the rows
// loaded so far, the next cursor, "Show more". The page supplies how to fetch a page after a
// cursor and where an error goes.
import { ChangeDetectionStrategy, Component, input, signal } from "@angular/core";

/** A page of rows as the coordinator's list endpoints answer: `has_more` and `next_cursor`. */
export interface CursorPage<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** What the "Show more" button needs of a pager, whatever its rows. */
export interface MorePages {
  next(): string | null;
  busy(): boolean;
  more(): Promise<void>;
}

export class Pager<T> implements MorePages {
  private readonly rows = signal<T[]>([]);
  private readonly cursor = signal<string | null>(null);
  private readonly loading = signal(false);
  readonly items = this.rows.asReadonly();
  /** The cursor of the next page; null when every row is loaded. */
  readonly next = this.cursor.asReadonly();
  readonly busy = this.loading.asReadonly();

  constructor(
    private readonly fetchAfter: (cursor: string) => Promise<CursorPage<T>>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts over from a first page (fetched by the page with whatever else it loads). */
  reset(first: CursorPage<T>): void {
    this.rows.set(first.data);
    this.cursor.set(first.has_more ? first.next_cursor : null);
  }

  /** Appends the next page; a failure goes to `onError` and the rows stay. */
  async more(): Promise<void> {
    const cursor = this.cursor();
    if (cursor === null || this.loading()) return;
    this.loading.set(true);
    try {
      const page = await this.fetchAfter(cursor);
      this.rows.update((rows) => [...rows, ...page.data]);
      this.cursor.set(page.has_more ? page.next_cursor : null);
    } catch (err) {
      this.onError(err);
    } finally {
      this.loading.set(false);
    }
  }
}

/** The "Show more" button under a paged table (absent once every row is loaded). */
@Component({
  selector: "app-show-more",
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (pager().next() !== null) {
      <button type="button" class="secondary" [disabled]="pager().busy()" (click)="pager().more()">
        {{ pager().busy() ? "Loading…" : "Show more" }}
      </button>
    }
  `,
})
export class ShowMore {
  readonly pager = input.required<MorePages>();
}

/** Every row of a paged list (at most `maxPages` pages), e.g. for a CSV export. */
export async function allPages<T>(
  fetchAfter: (cursor: string | null) => Promise<CursorPage<T>>,
  maxPages = 100,
): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const p: CursorPage<T> = await fetchAfter(cursor);
    rows.push(...p.data);
    if (!p.has_more || p.next_cursor === null) break;
    cursor = p.next_cursor;
  }
  return rows;
}
