import { settle } from './wait.js';

interface Task {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * The hand-driven implementation of `@merklekv/storage`'s `Timers` (the one
 * timer port the packages take; structurally typed, so this library stays a
 * leaf that every project's tests may import without a cycle): time moves and timers fire only inside
 * {@link FakeClock.advance} (async: lets promises settle after each timer) or
 * {@link FakeClock.tick} (synchronous).
 */
export class FakeClock {
  private time: number;
  /** Every delay ever passed to setTimeout, in order. */
  readonly delays: number[] = [];
  private tasks: Task[] = [];
  private nextId = 1;

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const task = { id: this.nextId++, at: this.time + ms, fn };
    this.delays.push(ms);
    this.tasks.push(task);
    return task.id;
  }

  clearTimeout(handle: unknown): void {
    this.tasks = this.tasks.filter((t) => t.id !== handle);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.tasks.length;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      const due = this.next(end);
      if (due === undefined) break;
      this.fire(due);
      await settle();
    }
    this.time = end;
    await settle();
  }

  /** Moves time forward by `ms` synchronously, firing every timer that falls due, in order. */
  tick(ms: number): void {
    const end = this.time + ms;
    for (let due = this.next(end); due !== undefined; due = this.next(end)) this.fire(due);
    this.time = end;
  }

  private next(end: number): Task | undefined {
    let best: Task | undefined;
    for (const t of this.tasks) if (t.at <= end && (best === undefined || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    return best;
  }

  private fire(task: Task): void {
    this.tasks = this.tasks.filter((t) => t !== task);
    this.time = task.at;
    task.fn();
  }
}
