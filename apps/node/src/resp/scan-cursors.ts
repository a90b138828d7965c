/**
 * SCAN cursors. Redis clients require an unsigned integer cursor (redis-py
 * parses it with int()), while the store continues a scan after a key. So a
 * cursor is a number standing for "after this key", kept in a bounded
 * registry shared by the node's RESP connections (a client pool may send the
 * next SCAN on another connection). The oldest cursors are forgotten first;
 * a forgotten or unknown cursor is an error, never a silent restart.
 */

/** Cursors remembered at once: enough for thousands of concurrent iterations. */
export const MAX_CURSORS = 16_384;

export class ScanCursors {
  private readonly afterKey = new Map<string, string>();
  private next: number;

  /** @param first the first cursor handed out (random by default, so a cursor from before a restart is unknown, not another scan's). */
  constructor(
    private readonly limit = MAX_CURSORS,
    first = 1 + Math.floor(Math.random() * 2 ** 40),
  ) {
    this.next = first;
  }

  /** The cursor that continues after `key`. */
  issue(key: string): string {
    const cursor = String(this.next++);
    this.afterKey.set(cursor, key);
    if (this.afterKey.size > this.limit) this.afterKey.delete(this.afterKey.keys().next().value as string);
    return cursor;
  }

  /** The key a cursor continues after; undefined for `0` (the start). @throws Error for a cursor not (or no longer) known. */
  resolve(cursor: string): string | undefined {
    if (cursor === '0') return undefined;
    const key = this.afterKey.get(cursor);
    if (key === undefined) throw new UnknownCursorError(cursor);
    return key;
  }

  get size(): number {
    return this.afterKey.size;
  }
}

/** A SCAN cursor this node did not hand out, or has forgotten (see {@link MAX_CURSORS}). */
export class UnknownCursorError extends Error {
  override readonly name = 'UnknownCursorError';
  constructor(cursor: string) {
    super(`ERR invalid cursor '${cursor.slice(0, 32)}' (unknown, or forgotten after ${MAX_CURSORS} newer cursors or a restart; start again from 0)`);
  }
}
