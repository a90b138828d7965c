/**
 * Writing JSON text straight into bytes, for the hot path of publishing change batches:
 * no intermediate strings, so no garbage per event. Output matches the UTF-8 of
 * JSON.stringify for the values written (strings needing escapes go through it).
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Strings longer than this are checked with a regular expression and copied natively. */
const LONG_STRING = 64;
/** Printable ASCII but `"` and `\`: a string of these is its own JSON literal between quotes. */
const PLAIN = /^[ !#-[\]-~]*$/;
const SCRATCH_BYTES = 64 * 1024;

/**
 * A growable byte buffer for writing JSON text without building strings: the change-batch
 * encoder writes each event into it and copies the result out once (see event-codec.ts).
 */
export class JsonByteWriter {
  private buf = Buffer.allocUnsafe(SCRATCH_BYTES);
  private pos = 0;

  /** Starts a new text. */
  reset(): void {
    this.pos = 0;
  }

  /** A copy of what was written (the scratch is shrunk back after an outsized batch). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    if (this.buf.length > 16 * SCRATCH_BYTES) this.buf = Buffer.allocUnsafe(SCRATCH_BYTES);
    this.pos = 0;
    return out;
  }

  /** One byte (ASCII punctuation). */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Text known to be ASCII (the format's punctuation). */
  ascii(s: string): void {
    this.ensure(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** A number as JSON.stringify writes it; non-negative safe integers (every valid ts) digit by digit. */
  integer(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) {
      this.ascii(JSON.stringify(n));
      return;
    }
    this.ensure(16);
    const high = Math.floor(n / 1e8);
    if (high > 0) {
      this.digits(high, 0);
      this.digits(n - high * 1e8, 8);
    } else {
      this.digits(n, 0);
    }
  }

  /** A string as its JSON literal. */
  quoted(s: string): void {
    const n = s.length;
    this.ensure(n + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = QUOTE;
    if (n > LONG_STRING) {
      if (!PLAIN.test(s)) return this.escaped(s);
      p += buf.write(s, p, 'latin1');
    } else {
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return this.escaped(s);
        buf[p++] = c;
      }
    }
    buf[p++] = QUOTE;
    this.pos = p;
  }

  private escaped(s: string): void {
    const json = JSON.stringify(s);
    this.ensure(json.length * 3);
    this.pos += this.buf.write(json, this.pos, 'utf8');
  }

  /** `n` (an integer below 1e8) in decimal, zero-padded to `width` digits (0: no padding); int32 arithmetic. */
  private digits(n: number, width: number): void {
    let v = n | 0;
    const count = Math.max(width, decimalLength(v));
    const buf = this.buf;
    let p = this.pos + count;
    this.pos = p;
    for (let i = 0; i < count; i++) {
      const q = (v / 10) | 0;
      buf[--p] = 0x30 + (v - q * 10);
      v = q;
    }
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

/** Decimal digits of `v` (0 <= v < 1e8). */
function decimalLength(v: number): number {
  if (v < 10_000) return v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : 4;
  return v < 1_000_000 ? (v < 100_000 ? 5 : 6) : v < 10_000_000 ? 7 : 8;
}
