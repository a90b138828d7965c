/**
 * Summarises a V8 `.cpuprofile` (written by `node --cpu-prof`): the functions
 * with the most self time and the most total (inclusive) time, keyed as
 * `file:line function`. Pure: takes the parsed JSON.
 *
 * Self time of a node is the sum of the time deltas of the samples taken in
 * it. Total time adds its descendants' self time, counting a function once
 * per stack even when it recurses.
 */

/** The parts of the `.cpuprofile` format used here. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's share of the profile. */
export interface HotSpot {
  /** `path:line functionName` (line 1-based; path relative to `root` when under it). */
  readonly where: string;
  readonly selfMs: number;
  readonly totalMs: number;
  readonly selfPct: number;
  readonly totalPct: number;
}

/**
 * Self and total time per function, sorted by self time (descending).
 * @param root a path prefix to strip from file URLs (e.g. the workspace root)
 */
export function summarizeProfile(profile: CpuProfile, root = ''): HotSpot[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const keyOf = (id: number): string => {
    const f = byId.get(id)?.callFrame;
    if (f === undefined) return '?';
    let file = f.url.replace(/^file:\/\//, '');
    if (root !== '' && file.startsWith(root)) file = file.slice(root.length).replace(/^\//, '');
    return `${file || '(native)'}:${f.lineNumber + 1} ${f.functionName || '(anonymous)'}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  for (const [id, us] of selfUs) {
    all += us;
    const k = keyOf(id);
    self.set(k, (self.get(k) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const ck = keyOf(cur);
      if (seen.has(ck)) continue;
      seen.add(ck);
      total.set(ck, (total.get(ck) ?? 0) + us);
    }
  }
  const pct = (us: number): number => (all === 0 ? 0 : (100 * us) / all);
  return [...total.keys()]
    .map((where) => {
      const s = self.get(where) ?? 0;
      const t = total.get(where) ?? 0;
      return { where, selfMs: s / 1000, totalMs: t / 1000, selfPct: pct(s), totalPct: pct(t) };
    })
    .sort((a, b) => b.selfMs - a.selfMs || b.totalMs - a.totalMs);
}

/** A plain-text table of the top `n` hot spots by self time and by total time. */
export function formatHotSpots(spots: readonly HotSpot[], n = 25): string {
  const row = (h: HotSpot): string => `${h.selfPct.toFixed(1).padStart(6)}% ${h.totalPct.toFixed(1).padStart(6)}%  ${h.where}`;
  const byTotal = [...spots].sort((a, b) => b.totalMs - a.totalMs);
  return [
    '  self   total  function (by self time)',
    ...spots.slice(0, n).map(row),
    '',
    '  self   total  function (by total time)',
    ...byTotal.slice(0, n).map(row),
    '',
  ].join('\n');
}
