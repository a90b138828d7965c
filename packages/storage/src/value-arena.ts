/**
 * The store's values off the JavaScript heap: one value per slot, its bytes in Buffer pages.
 *
 * A million 32-character values kept as strings are a million old-generation objects (48 B each
 * plus an 8-byte pointer) that every major GC marks, and every overwrite leaves the replaced one
 * behind as old-generation garbage (the value parsed from a request lives long enough to be
 * promoted: it is stored). Here a value of Latin-1 characters (every UTF-16 unit ≤ 0xFF, so one
 * byte each, losslessly) is copied into a block of a size class (8, 16, 32, … 4096 bytes) in a
 * 64 KiB page allocated outside the heap; the slot keeps the block's number and the value's
 * length in two typed-array columns. An overwrite within the same class writes in place; a
 * released block goes on its class's free list and is reused before the class grows. The parsed
 * value then dies young, and reading a value makes a fresh (young) string of it.
 *
 * Any other value (a character above 0xFF, or longer than 4096) stays a string, kept in a Map by
 * slot: rare, and large enough that the string's overhead does not matter.
 *
 * Pages are never returned (as with malloc): space freed by deletes is reused by later values of
 * the same class.
 */

/** Size classes: blocks of 8 << c bytes, c = 0 … CLASSES-1 (8 … 4096). */
const CLASSES = 10;
const MAX_BLOCK = 8 << (CLASSES - 1);
const PAGE_BITS = 16;
const PAGE_BYTES = 1 << PAGE_BITS;
/** `len` column marker: the value is a string in `strings`. */
const AS_STRING = -1;
const LATIN1 = /^[\0-\xff]*$/;
/** Values up to this many bytes are copied by a loop in {@link ValueArena.copyTo}. */
const SHORT_COPY = 64;

/**
 * Buffer's own Latin-1 codec methods, which `toString('latin1', …)` and `write(…, 'latin1')` call
 * after checking their arguments and looking up the encoding: reading a 32-byte value through
 * `toString` spent more time in that wrapper than in the copy (a GET at pipeline 16 showed 4.6% of
 * its samples in it). Not in Node's typings; the documented calls are used where they are missing.
 */
interface Latin1Codec {
  latin1Slice(start: number, end: number): string;
  latin1Write(text: string, offset: number, length: number): number;
}
const proto = Buffer.prototype as unknown as Partial<Latin1Codec>;
const NATIVE_LATIN1 = typeof proto.latin1Slice === 'function' && typeof proto.latin1Write === 'function';

function readLatin1(page: Buffer, start: number, end: number): string {
  return NATIVE_LATIN1 ? (page as unknown as Latin1Codec).latin1Slice(start, end) : page.toString('latin1', start, end);
}

function writeLatin1(page: Buffer, text: string, offset: number): void {
  if (NATIVE_LATIN1) (page as unknown as Latin1Codec).latin1Write(text, offset, text.length);
  else page.write(text, offset, text.length, 'latin1');
}

/** The blocks of one size class. */
class SizeClass {
  readonly pages: Buffer[] = [];
  readonly free: number[] = [];
  /** Blocks handed out so far (freed ones included). */
  next = 0;
  /** log2 of the blocks per page. */
  readonly perPageBits: number;

  constructor(readonly blockBits: number) {
    this.perPageBits = PAGE_BITS - blockBits;
  }

  allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    const block = this.next++;
    if (block >>> this.perPageBits === this.pages.length) this.pages.push(Buffer.allocUnsafeSlow(PAGE_BYTES));
    return block;
  }
}

/** The size class of a value of `length` (1 … MAX_BLOCK) bytes. */
function classOf(length: number): number {
  return length <= 8 ? 0 : 29 - Math.clz32(length - 1);
}

/** Values by slot; see the comment at the top of this file. */
export class ValueArena {
  /**
   * Two int32 per slot, side by side so that a read misses the cache once: at 2·slot the value's
   * length in bytes (0: empty; AS_STRING: in `strings`), at 2·slot+1 its block number in its class
   * (meaningful when the length is > 0).
   */
  private meta: Int32Array;
  private readonly strings = new Map<number, string>();
  private readonly classes: SizeClass[] = [];

  constructor(capacity: number) {
    this.meta = new Int32Array(capacity * 2);
    for (let c = 0; c < CLASSES; c++) this.classes.push(new SizeClass(3 + c));
  }

  /** Makes room for slots `0 … capacity-1` (values kept). */
  grow(capacity: number): void {
    const meta = new Int32Array(capacity * 2);
    meta.set(this.meta);
    this.meta = meta;
  }

  /** The value of `slot` ('' for a slot never set or cleared). */
  get(slot: number): string {
    const n = this.meta[2 * slot] as number;
    if (n === 0) return '';
    if (n === AS_STRING) return this.strings.get(slot) as string;
    const cls = this.classes[classOf(n)] as SizeClass;
    const b = this.meta[2 * slot + 1] as number;
    const off = (b & ((1 << cls.perPageBits) - 1)) << cls.blockBits;
    return readLatin1(cls.pages[b >>> cls.perPageBits] as Buffer, off, off + n);
  }

  /**
   * Copies the bytes of the value of `slot` into `target` at `offset`, when the value is in a block
   * (its Latin-1 bytes: one per character, so `latin1` decoding them gives {@link get}'s string).
   * @returns how many bytes were copied (0 for an empty value), or -1, copying nothing, when the
   *   value is held as a string (a character above 0xFF, or longer than 4096) or does not fit in
   *   `target` from `offset`.
   */
  copyTo(slot: number, target: Uint8Array, offset: number): number {
    const n = this.meta[2 * slot] as number;
    if (n <= 0) return n === 0 ? 0 : -1;
    if (offset + n > target.length) return -1;
    const cls = this.classes[classOf(n)] as SizeClass;
    const b = this.meta[2 * slot + 1] as number;
    const off = (b & ((1 << cls.perPageBits) - 1)) << cls.blockBits;
    const page = cls.pages[b >>> cls.perPageBits] as Buffer;
    // A short value is copied byte by byte: Buffer#copy and TypedArray#set cost more in their
    // argument handling (and a view object) than the copy itself below ~64 bytes.
    if (n <= SHORT_COPY) for (let i = 0; i < n; i++) target[offset + i] = page[off + i] as number;
    else target.set(page.subarray(off, off + n), offset);
    return n;
  }

  /** The length of the value of `slot`, in UTF-16 code units (= its `.length`). */
  length(slot: number): number {
    const n = this.meta[2 * slot] as number;
    return n === AS_STRING ? (this.strings.get(slot) as string).length : n;
  }

  /** Sets the value of `slot` (its previous value's space is reused or freed). */
  set(slot: number, value: string): void {
    const n = value.length;
    const inArena = n > 0 && n <= MAX_BLOCK && LATIN1.test(value);
    const held = this.meta[2 * slot] as number;
    if (!inArena) {
      this.clear(slot);
      if (n > 0) {
        this.strings.set(slot, value);
        this.meta[2 * slot] = AS_STRING;
      }
      return;
    }
    const c = classOf(n);
    let b: number;
    if (held > 0 && classOf(held) === c) b = this.meta[2 * slot + 1] as number;
    else {
      this.clear(slot);
      b = (this.classes[c] as SizeClass).allocate();
      this.meta[2 * slot + 1] = b;
    }
    const cls = this.classes[c] as SizeClass;
    const off = (b & ((1 << cls.perPageBits) - 1)) << cls.blockBits;
    writeLatin1(cls.pages[b >>> cls.perPageBits] as Buffer, value, off);
    this.meta[2 * slot] = n;
  }

  /** Empties `slot` (its block goes back to its class's free list). */
  clear(slot: number): void {
    const held = this.meta[2 * slot] as number;
    if (held === 0) return;
    if (held > 0) (this.classes[classOf(held)] as SizeClass).free.push(this.meta[2 * slot + 1] as number);
    else this.strings.delete(slot);
    this.meta[2 * slot] = 0;
  }

  /** Bytes of pages allocated (for tests and diagnostics). */
  get pageBytes(): number {
    let pages = 0;
    for (const cls of this.classes) pages += cls.pages.length;
    return pages * PAGE_BYTES;
  }
}
