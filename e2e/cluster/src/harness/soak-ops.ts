import type { MerkleKVClient } from '@merklekv/client';
import type { WriteEffect } from './history.js';
import type { Random } from './random.js';
import type { OperationSpec } from './workload.js';

/** String keys (SET, APPEND, MSET, DEL) and counter keys (INCR, SET integer, DEL): INCR never meets a non-integer. */
export const STRING_KEYS = Array.from({ length: 10 }, (_, i) => `s:${i}`);
export const COUNTER_KEYS = Array.from({ length: 6 }, (_, i) => `n:${i}`);

const UNKNOWN = { unknown: true } as const;

/**
 * One random operation of the soak: SET, DEL, INCR, APPEND, MSET (and GET,
 * which writes nothing). Values are unique per client and sequence number,
 * so the checker can tell every write apart.
 */
export function randomOperation(rng: Random, client: string, seq: number): OperationSpec<unknown> {
  const tag = `${client}.${seq}`;
  const roll = rng.int(100);
  if (roll < 25) {
    const key = rng.pick(STRING_KEYS);
    return fixed('SET', (c) => c.set(key, tag), [{ key, value: tag }]);
  }
  if (roll < 40) {
    const key = rng.pick(STRING_KEYS);
    const suffix = `+${tag}`;
    return { kind: 'APPEND', run: (c) => c.append(key, suffix), effects: (v) => [{ key, value: v as string }], unknownEffects: [{ key, value: UNKNOWN }] };
  }
  if (roll < 55) {
    const key = rng.pick(COUNTER_KEYS);
    const by = rng.between(1, 5);
    return { kind: 'INCR', run: (c) => c.incr(key, by), effects: (v) => [{ key, value: String(v as bigint) }], unknownEffects: [{ key, value: UNKNOWN }] };
  }
  if (roll < 63) {
    const key = rng.pick(COUNTER_KEYS);
    const value = String(rng.between(0, 1000) * 1000 + (seq % 1000));
    return fixed('SET', (c) => c.set(key, value), [{ key, value }]);
  }
  if (roll < 75) {
    const key = rng.pick([...STRING_KEYS, ...COUNTER_KEYS]);
    // DEL of a missing key (NOT_FOUND) writes nothing.
    return { kind: 'DEL', run: (c) => c.del(key), effects: (deleted) => (deleted === true ? [{ key, value: null }] : []), unknownEffects: [{ key, value: null }] };
  }
  if (roll < 88) {
    const keys = [...new Set([rng.pick(STRING_KEYS), rng.pick(STRING_KEYS), rng.pick(STRING_KEYS)])];
    const effects = keys.map((key, i) => ({ key, value: `${tag}/${i}` }));
    return fixed('MSET', (c) => c.mset(effects.map((e) => [e.key, e.value as string] as [string, string])), effects);
  }
  const key = rng.pick([...STRING_KEYS, ...COUNTER_KEYS]);
  return { kind: 'GET', run: (c) => c.get(key), effects: () => [], unknownEffects: [] };
}

function fixed(kind: string, run: (c: MerkleKVClient) => Promise<unknown>, effects: readonly WriteEffect[]): OperationSpec<unknown> {
  return { kind, run, effects: () => effects, unknownEffects: effects };
}
