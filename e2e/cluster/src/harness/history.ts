/**
 * The recorded history of a randomized run: every client operation with its
 * invoke and completion times (wall-clock ms, the clock the nodes' HLCs read
 * too), its outcome and the writes it made, plus the faults that make some
 * acknowledged writes legitimately losable.
 */

/** A write's effect on one key: the value it leaves, or `null` for a delete. `'?'` = unknown (an INCR/APPEND whose reply was lost). */
export type Written = string | null | { readonly unknown: true };

/** One key written by an operation. */
export interface WriteEffect {
  readonly key: string;
  readonly value: Written;
}

/**
 * `ok`: acknowledged; `failed`: answered with an error, nothing written;
 * `unknown`: no reply (connection lost, timeout) — it may or may not have been applied.
 */
export type Outcome = 'ok' | 'failed' | 'unknown';

/** One client operation. */
export interface Operation {
  readonly id: number;
  readonly client: string;
  /** The node the client talked to (`node-2`). */
  readonly node: string;
  readonly kind: string;
  readonly invokeMs: number;
  readonly completeMs: number;
  readonly outcome: Outcome;
  /** Writes made (ok) or possibly made (unknown); empty for failed ops and no-op deletes. */
  readonly effects: readonly WriteEffect[];
}

/** The fault timeline the checker needs. */
export interface FaultTimeline {
  /** kill -9 times per node id. */
  readonly kills: ReadonlyMap<string, readonly number[]>;
  /** Intervals during which a node could not publish (its broker link cut, or the broker down). */
  readonly impaired: ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>;
}

/** Records operations and faults as a run goes. */
export class History {
  readonly operations: Operation[] = [];
  readonly faults: string[] = [];
  private readonly kills = new Map<string, number[]>();
  private readonly impaired = new Map<string, Array<[number, number]>>();
  private readonly openImpairments = new Map<string, number>();
  private nextId = 1;

  /** Adds a completed operation. */
  record(op: Omit<Operation, 'id'>): Operation {
    const full = { ...op, id: this.nextId++ };
    this.operations.push(full);
    return full;
  }

  /** Notes a fault (for the report). */
  fault(description: string, at = Date.now()): void {
    this.faults.push(`+${at} ${description}`);
  }

  /** Notes that `node` was killed with SIGKILL at `at`. */
  killed(node: string, at = Date.now()): void {
    const list = this.kills.get(node) ?? [];
    list.push(at);
    this.kills.set(node, list);
  }

  /** `node` cannot publish from now on (broker link cut, broker down). */
  impairStart(node: string, at = Date.now()): void {
    if (!this.openImpairments.has(node)) this.openImpairments.set(node, at);
  }

  /** `node` can publish again from now on. */
  impairEnd(node: string, at = Date.now()): void {
    const from = this.openImpairments.get(node);
    if (from === undefined) return;
    this.openImpairments.delete(node);
    const list = this.impaired.get(node) ?? [];
    list.push([from, at]);
    this.impaired.set(node, list);
  }

  /** The fault timeline so far (open impairments end now). */
  timeline(now = Date.now()): FaultTimeline {
    const impaired = new Map<string, Array<readonly [number, number]>>();
    for (const [node, list] of this.impaired) impaired.set(node, [...list]);
    for (const [node, from] of this.openImpairments) impaired.set(node, [...(impaired.get(node) ?? []), [from, now]]);
    return { kills: this.kills, impaired };
  }
}
