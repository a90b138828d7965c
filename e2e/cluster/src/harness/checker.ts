import type { FaultTimeline, Operation, Written } from './history.js';

/** Tunables of {@link checkHistory}. */
export interface CheckOptions {
  /**
   * Two writes are ordered in real time when the second is invoked more than
   * this many ms after the first was acknowledged. HLC timestamps have 1 ms
   * physical resolution and counters are per node, so writes on different
   * nodes within the same millisecond are concurrent for LWW.
   * @default 50
   */
  readonly slackMs?: number;
  /**
   * A write acknowledged by a node that was killed within this many ms may
   * not have left the node yet (replication is asynchronous; the memory
   * engine loses the rest): it may be lost. @default 2000
   */
  readonly riskMs?: number;
  /**
   * After an impairment ends the node may still be reconnecting: MQTT backoff
   * doubles from 100 ms, so the wait is about the outage's length (±20%
   * jitter). An impairment of length d is extended by `d × reconnectFactor +
   * reconnectGraceMs`. @default 1.5 and 2000
   */
  readonly reconnectFactor?: number;
  readonly reconnectGraceMs?: number;
}

/** A write to one key as the checker sees it. */
interface KeyWrite {
  readonly op: number;
  readonly value: Written;
  readonly invokeMs: number;
  /** When it was known to be applied, if at all (∞ for a lost reply to a node that lived on). */
  readonly effectiveAckMs: number;
  /** Acknowledged and not losable: it must be present or superseded. */
  readonly durable: boolean;
  readonly atRisk: boolean;
}

/** A key whose final value no admissible write explains. */
export interface Violation {
  readonly key: string;
  readonly finalValue: string | null;
  /** The writes the final value could have come from (op id and value). */
  readonly admissible: ReadonlyArray<{ op: number; value: Written }>;
  /** The durable writes that were not superseded. */
  readonly latestDurable: ReadonlyArray<{ op: number; value: Written; invokeMs: number; ackMs: number }>;
}

/** What {@link checkHistory} found. */
export interface CheckReport {
  readonly keys: number;
  readonly writes: number;
  readonly durableWrites: number;
  /** Acknowledged writes exempted from the no-loss rule because their node was killed soon after. */
  readonly atRiskWrites: number;
  /** At-risk writes that were lost: not superseded, yet not the final value. */
  readonly atRiskLost: number;
  readonly unknownWrites: number;
  readonly violations: readonly Violation[];
}

const INITIAL: KeyWrite = { op: 0, value: null, invokeMs: -Infinity, effectiveAckMs: -Infinity, durable: false, atRisk: false };

/**
 * Checks a converged replica against the history, key by key. A write is
 * *admissible* as the final state when no durable write to the same key was
 * invoked after it was acknowledged (plus `slackMs`); the final value must
 * equal some admissible write's value (the initial "absent" state counts as
 * a write acknowledged at −∞). So every durable acknowledged write is either
 * present or superseded by a later write to its key, and nothing that was
 * never written appears. INCR/APPEND count as writes of their returned value.
 *
 * A lost reply (`unknown`) may have been applied: it is admissible until
 * something is invoked after the moment its node died (or forever, if the
 * node lived on). An acknowledged write is *at risk* — losable — when its
 * node was killed before it surely left the node: within `riskMs` of the
 * ack, or while (or shortly after) the node could not reach the broker.
 */
export function checkHistory(
  operations: readonly Operation[],
  final: ReadonlyMap<string, string>,
  faults: FaultTimeline,
  opts: CheckOptions = {},
): CheckReport {
  const slackMs = opts.slackMs ?? 50;
  const riskMs = opts.riskMs ?? 2000;
  const graceMs = opts.reconnectGraceMs ?? 2000;
  const factor = opts.reconnectFactor ?? 1.5;

  const killAfter = (node: string, t: number): number | undefined =>
    (faults.kills.get(node) ?? []).filter((k) => k >= t).sort((a, b) => a - b)[0];
  const atRisk = (node: string, ackMs: number): boolean => {
    const kill = killAfter(node, ackMs);
    if (kill === undefined) return false;
    if (kill - ackMs < riskMs) return true;
    return (faults.impaired.get(node) ?? []).some(([from, to]) => from <= kill && to + (to - from) * factor + graceMs >= ackMs);
  };

  const byKey = new Map<string, KeyWrite[]>();
  let writes = 0;
  let durableWrites = 0;
  let atRiskWrites = 0;
  let unknownWrites = 0;
  for (const op of operations) {
    if (op.outcome === 'failed') continue;
    for (const effect of op.effects) {
      writes++;
      let write: KeyWrite;
      if (op.outcome === 'ok') {
        const risky = atRisk(op.node, op.completeMs);
        if (risky) atRiskWrites++;
        else durableWrites++;
        write = { op: op.id, value: effect.value, invokeMs: op.invokeMs, effectiveAckMs: op.completeMs, durable: !risky, atRisk: risky };
      } else {
        unknownWrites++;
        write = { op: op.id, value: effect.value, invokeMs: op.invokeMs, effectiveAckMs: killAfter(op.node, op.invokeMs) ?? Infinity, durable: false, atRisk: false };
      }
      const list = byKey.get(effect.key) ?? [];
      list.push(write);
      byKey.set(effect.key, list);
    }
  }

  const violations: Violation[] = [];
  let atRiskLost = 0;
  const keys = new Set([...byKey.keys(), ...final.keys()]);
  for (const key of keys) {
    const list = [INITIAL, ...(byKey.get(key) ?? [])];
    const durable = list.filter((w) => w.durable);
    const admissible = list.filter((w) => !durable.some((d) => d !== w && d.invokeMs > w.effectiveAckMs + slackMs));
    const finalValue = final.get(key) ?? null;
    atRiskLost += admissible.filter((w) => w.atRisk && !matches(w.value, finalValue)).length;
    if (admissible.some((w) => matches(w.value, finalValue))) continue;
    violations.push({
      key,
      finalValue,
      admissible: admissible.map((w) => ({ op: w.op, value: w.value })),
      latestDurable: admissible.filter((w) => w.durable).map((w) => ({ op: w.op, value: w.value, invokeMs: w.invokeMs, ackMs: w.effectiveAckMs })),
    });
  }
  return { keys: keys.size, writes, durableWrites, atRiskWrites, atRiskLost, unknownWrites, violations };
}

function matches(written: Written, actual: string | null): boolean {
  if (written !== null && typeof written === 'object') return true;
  return written === actual;
}
