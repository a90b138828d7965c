/**
 * The node ids the store's records were written by, as small numbers.
 *
 * A record's node id is one of a handful (the cluster's nodes), but a million records each
 * pointing at it from a JavaScript array are a million-slot array in the old generation (8 B per
 * record, copied and left behind as garbage every time it grows). The record slab keeps a 32-bit
 * number per record instead, in a typed array off the heap; this table maps it back to the id.
 *
 * Numbers are counted by the records holding them: when the last record written by a node is
 * overwritten or removed, its number is freed and reused, so the table holds only ids still
 * stored, however many distinct ids the network has sent over time.
 */
export class NodeTable {
  private readonly numbers = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly refs: number[] = [];
  private readonly free: number[] = [];

  /** The number of `name`, counted once more (a record now holds it). */
  acquire(name: string): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      n = this.free.pop() ?? this.names.length;
      this.numbers.set(name, n);
      this.names[n] = name;
      this.refs[n] = 0;
    }
    this.refs[n] = (this.refs[n] as number) + 1;
    return n;
  }

  /** One record fewer holds number `n`; the last one frees it. */
  release(n: number): void {
    const left = (this.refs[n] as number) - 1;
    this.refs[n] = left;
    if (left > 0) return;
    this.numbers.delete(this.names[n] as string);
    this.names[n] = '';
    this.free.push(n);
  }

  /** The node id of number `n` (held by some record). */
  name(n: number): string {
    return this.names[n] as string;
  }

  /** Distinct node ids held. */
  get size(): number {
    return this.numbers.size;
  }
}
