/**
 * `baseMs` moved by a random fraction of at most ±`fraction` (0.2 = ±20%), so
 * that nodes started together do not sync in lockstep. `random` returns
 * [0, 1) like Math.random. Never below 1 ms.
 */
export function jitteredDelay(baseMs: number, fraction: number, random: () => number): number {
  const factor = 1 + fraction * (2 * random() - 1);
  return Math.max(1, Math.round(baseMs * factor));
}
