interface Ev {
  at: number;
  seq: number;
  run: () => void;
}

/** Min-heap of timed callbacks: the simulator's clock. Ties run in scheduling order. */
export class EventHeap {
  private readonly heap: Ev[] = [];
  private counter = 0;
  now = 0;

  schedule(at: number, run: () => void): void {
    const ev = { at, seq: this.counter++, run };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(h[i] as Ev, h[parent] as Ev)) break;
      [h[i], h[parent]] = [h[parent] as Ev, h[i] as Ev];
      i = parent;
    }
  }

  /** Runs every event in time order (events may schedule more). */
  run(): void {
    for (let ev = this.pop(); ev; ev = this.pop()) {
      this.now = ev.at;
      ev.run();
    }
  }

  private pop(): Ev | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l] as Ev, h[m] as Ev)) m = l;
        if (r < h.length && less(h[r] as Ev, h[m] as Ev)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Ev, h[i] as Ev];
        i = m;
      }
    }
    return top;
  }
}

const less = (a: Ev, b: Ev): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);
