import { BinaryHeap } from "@darkbloom/model-contract";

interface Ev {
  at: number;
  seq: number;
  run: () => void;
}

/** Min-heap of timed callbacks: the simulator's clock. Ties run in scheduling order. */
export class EventHeap {
  private readonly heap = new BinaryHeap<Ev>(
    (a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq),
  );
  private counter = 0;
  now = 0;

  schedule(at: number, run: () => void): void {
    this.heap.push({ at, seq: this.counter++, run });
  }

  /** Runs every event in time order (events may schedule more). */
  run(): void {
    for (let ev = this.heap.pop(); ev; ev = this.heap.pop()) {
      this.now = ev.at;
      ev.run();
    }
  }
}
