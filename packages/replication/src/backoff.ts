/** Options of {@link reconnectDelays}. */
export interface ReconnectDelayOptions {
  /** Delay before the first retry. @default 100 */
  readonly initialMs?: number;
  /** Upper bound of any delay. @default 10000 */
  readonly maxMs?: number;
  /** Growth per attempt. @default 2 */
  readonly factor?: number;
  /** Random spread, a fraction of the delay (0.2 = ±20%) so nodes do not reconnect in lockstep. @default 0.2 */
  readonly jitter?: number;
  /** Source of randomness in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/**
 * A reconnect policy `attempt → ms` (attempt counts from 1): `initialMs × factor^(attempt-1)`,
 * capped at `maxMs`, spread by `jitter`, never negative and never above `maxMs`.
 */
export function reconnectDelays(opts: ReconnectDelayOptions = {}): (attempt: number) => number {
  const initialMs = opts.initialMs ?? 100;
  const maxMs = opts.maxMs ?? 10_000;
  const factor = opts.factor ?? 2;
  const jitter = opts.jitter ?? 0.2;
  const random = opts.random ?? Math.random;
  return (attempt) => {
    const base = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
    const spread = base * jitter * (2 * random() - 1);
    return Math.round(Math.min(maxMs, Math.max(0, base + spread)));
  };
}
