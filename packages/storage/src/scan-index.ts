/**
 * A sorted snapshot of the store's keys for SCAN paging.
 *
 * Sorting a million keys per page would make a full scan quadratic, so the snapshot is kept
 * between pages and brought up to date lazily, only when keys were added or removed since:
 * the keys added meanwhile are sorted on their own (k log k) and merged in (n + k), and keys
 * that no longer exist are dropped during that merge. Keys removed without any addition stay
 * in the snapshot until the next merge; `has` filters them out when reading. Keys are compared
 * by UTF-16 code units (`<`), the same order everywhere in the store.
 */
export class ScanIndex {
  private sorted: string[] = [];
  private added: string[] = [];
  private removedSince = 0;
  private stale = false;

  /**
   * @param has whether a key is still in the store (live or tombstone).
   * @param allKeys every key of the store, for a rebuild from scratch.
   */
  constructor(
    private readonly has: (key: string) => boolean,
    private readonly allKeys: () => Iterable<string>,
  ) {}

  /** Records that `key` entered the store. */
  keyAdded(key: string): void {
    if (this.stale) return;
    this.added.push(key);
    // Pending additions must not grow without bound while nobody scans: past the size of the
    // snapshot, drop both and list the store again at the next scan.
    if (this.added.length > 1024 && this.added.length > this.sorted.length) this.reset();
  }

  /** Records that `key` left the store. */
  keyRemoved(): void {
    this.removedSince++;
  }

  /** Drops the snapshot: the next read lists and sorts the store again. */
  reset(): void {
    this.sorted = [];
    this.added = [];
    this.removedSince = 0;
    this.stale = true;
  }

  /** The sorted keys (may include keys removed since; filter with `has`). */
  keys(): readonly string[] {
    if (this.stale) {
      this.sorted = [...this.allKeys()].sort(compareKeys);
      this.stale = false;
    } else if (this.added.length > 0 || this.removedSince > this.sorted.length / 2) this.rebuild();
    return this.sorted;
  }

  /** Index of the first key in `keys()` that is `>= key` (`strict`: `> key`). */
  lowerBound(key: string, strict: boolean): number {
    const keys = this.keys();
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid] as string;
      if (k < key || (strict && k === key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * One page of a scan: keys starting with `prefix`, strictly after `after`, that `valueOf` says
   * are live, at most `count`; `cursor` (the last key returned) only when another live key follows.
   */
  page(
    prefix: string,
    after: string | undefined,
    count: number,
    valueOf: (key: string) => string | undefined,
  ): { entries: [string, string][]; cursor: string | undefined } {
    const keys = this.keys();
    // Keys with the prefix are contiguous in sorted order, starting at the prefix itself.
    let i = after !== undefined && after >= prefix ? this.lowerBound(after, true) : this.lowerBound(prefix, false);
    const entries: [string, string][] = [];
    for (; i < keys.length; i++) {
      const key = keys[i] as string;
      if (!key.startsWith(prefix)) break;
      const value = valueOf(key);
      if (value === undefined) continue;
      if (entries.length === count) return { entries, cursor: entries[count - 1]?.[0] };
      entries.push([key, value]);
    }
    return { entries, cursor: undefined };
  }

  private rebuild(): void {
    const fresh = this.added.sort(compareKeys);
    const old = this.sorted;
    const out: string[] = [];
    let i = 0;
    let j = 0;
    let prev: string | undefined;
    while (i < old.length || j < fresh.length) {
      let next: string;
      if (j >= fresh.length || (i < old.length && (old[i] as string) <= (fresh[j] as string))) next = old[i++] as string;
      else next = fresh[j++] as string;
      if (next !== prev && this.has(next)) {
        out.push(next);
        prev = next;
      }
    }
    this.sorted = out;
    this.added = [];
    this.removedSince = 0;
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
