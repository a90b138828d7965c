/**
 * The keys with an expiry, ordered by `expireAt`: an indexed binary min-heap over store slots.
 *
 * One entry per live record with an expiry (so {@link size} is the "keys with an expiry" count),
 * found by slot in O(1) through `pos`, so setting, changing or clearing an expiry is O(log n) and
 * a record without one costs a single array read. The active expiry sweep pops due entries from
 * the top: it finds exactly the keys that are due, in expiry order, with no scan and no sampling
 * error (Redis samples random keys because its dict has no order; a heap gives the order for
 * 16 B + the key pointer per expiring key).
 */
export class ExpiryHeap {
  /** `at[i]`, `slots[i]`, `keys[i]`: the i-th heap entry (expireAt ms, store slot, key). */
  private at = new Float64Array(64);
  private slots = new Int32Array(64);
  private readonly keys: string[] = [];
  /** Slot → its heap index + 1 (0: not in the heap). */
  private pos = new Int32Array(1024);
  private n = 0;

  /** Entries held (live keys with an expiry). */
  get size(): number {
    return this.n;
  }

  /** True if `slot` has an entry. */
  has(slot: number): boolean {
    return slot < this.pos.length && (this.pos[slot] as number) !== 0;
  }

  /** The earliest expireAt held (Infinity when empty). */
  peekAt(): number {
    return this.n === 0 ? Number.POSITIVE_INFINITY : (this.at[0] as number);
  }

  /** The slot of the earliest entry (only when not empty). */
  peekSlot(): number {
    return this.slots[0] as number;
  }

  /** The key of the earliest entry (only when not empty). */
  peekKey(): string {
    return this.keys[0] as string;
  }

  /** Sets the expiry of `slot` (holding `key`) to `expireAt`, inserting or moving its entry. */
  set(slot: number, key: string, expireAt: number): void {
    if (slot >= this.pos.length) this.growPos(slot);
    const p = (this.pos[slot] as number) - 1;
    if (p >= 0) {
      const old = this.at[p] as number;
      this.at[p] = expireAt;
      this.keys[p] = key;
      if (expireAt < old) this.up(p);
      else if (expireAt > old) this.down(p);
      return;
    }
    if (this.n === this.at.length) this.growEntries();
    const i = this.n++;
    this.at[i] = expireAt;
    this.slots[i] = slot;
    this.keys[i] = key;
    this.pos[slot] = i + 1;
    this.up(i);
  }

  /** Removes the entry of `slot`, if any. */
  remove(slot: number): void {
    if (slot >= this.pos.length) return;
    const p = (this.pos[slot] as number) - 1;
    if (p < 0) return;
    this.pos[slot] = 0;
    const last = --this.n;
    if (p !== last) {
      this.move(last, p);
      this.down(p);
      this.up(p);
    }
    // Keeps the array's length (shrinking it can copy the backing store): only drops the string.
    this.keys[last] = '';
  }

  /**
   * How many entries have `expireAt <= now`, counted without changing the heap: a walk of the
   * subtrees whose root is due, O(due entries).
   */
  countDue(now: number): number {
    if (this.n === 0 || (this.at[0] as number) > now) return 0;
    let count = 0;
    const stack = [0];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      if (i >= this.n || (this.at[i] as number) > now) continue;
      count++;
      stack.push(2 * i + 1, 2 * i + 2);
    }
    return count;
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from] as number;
    const slot = this.slots[from] as number;
    this.slots[to] = slot;
    this.keys[to] = this.keys[from] as string;
    this.pos[slot] = to + 1;
  }

  private up(i: number): void {
    const at = this.at[i] as number;
    const slot = this.slots[i] as number;
    const key = this.keys[i] as string;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if ((this.at[parent] as number) <= at) break;
      this.move(parent, i);
      i = parent;
    }
    this.at[i] = at;
    this.slots[i] = slot;
    this.keys[i] = key;
    this.pos[slot] = i + 1;
  }

  private down(i: number): void {
    const at = this.at[i] as number;
    const slot = this.slots[i] as number;
    const key = this.keys[i] as string;
    const n = this.n;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (this.at[right] as number) < (this.at[left] as number) ? right : left;
      if ((this.at[child] as number) >= at) break;
      this.move(child, i);
      i = child;
    }
    this.at[i] = at;
    this.slots[i] = slot;
    this.keys[i] = key;
    this.pos[slot] = i + 1;
  }

  private growEntries(): void {
    const at = new Float64Array(this.at.length * 2);
    at.set(this.at);
    const slots = new Int32Array(this.slots.length * 2);
    slots.set(this.slots);
    this.at = at;
    this.slots = slots;
  }

  private growPos(slot: number): void {
    let length = this.pos.length * 2;
    while (length <= slot) length *= 2;
    const pos = new Int32Array(length);
    pos.set(this.pos);
    this.pos = pos;
  }
}
