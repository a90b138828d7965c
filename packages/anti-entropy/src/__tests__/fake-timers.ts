import type { Timers } from '../timers.js';

interface Task {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** A hand-driven clock: timers fire only inside {@link FakeTimers.advance}. */
export class FakeTimers implements Timers {
  now = 0;
  /** Every delay ever passed to setTimeout, in order. */
  readonly delays: number[] = [];
  private tasks: Task[] = [];
  private nextId = 1;

  setTimeout(fn: () => void, ms: number): unknown {
    const task = { id: this.nextId++, at: this.now + ms, fn };
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
    const end = this.now + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      const due = this.tasks.filter((t) => t.at <= end).sort((x, y) => x.at - y.at || x.id - y.id)[0];
      if (due === undefined) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
      await settle();
    }
    this.now = end;
    await settle();
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
