/**
 * Counts complete RESP2 replies in a byte stream, chunk by chunk, without
 * building reply objects: the load generator only needs to know how many of
 * its pipelined requests were answered (and how many with an error or a nil).
 *
 * A small state machine: at a reply's first byte it reads the type; simple
 * strings (`+`), errors (`-`) and integers (`:`) end at `\n`; a bulk string
 * (`$len`) is followed by `len + 2` bytes to skip, or nothing when `$-1`; an
 * array (`*n`) pushes `n` pending elements on a stack and completes when they
 * have. Replies may be split at any byte across chunks.
 */
import { BenchError, BenchErrorCode } from './errors.js';

const CR = 13;
const LF = 10;
const MINUS = 45;

const enum State {
  Type,
  /** Skipping the rest of a `+`, `-` or `:` line. */
  Line,
  /** Reading the length of a `$` or `*` header. */
  Length,
  /** Skipping a bulk string's bytes and its CRLF. */
  Bulk,
}

/** Running totals of a {@link RespReplyCounter}. */
export interface ReplyCounts {
  /** Complete top-level replies. */
  readonly replies: number;
  /** Top-level replies that were errors (`-ERR ...`). */
  readonly errors: number;
  /** Top-level nil replies (`$-1`, `*-1`); for the line protocol, `(null)`. */
  readonly nils: number;
}

/** Streaming RESP2 reply counter. */
export class RespReplyCounter implements ReplyCounts {
  replies = 0;
  errors = 0;
  nils = 0;

  private state = State.Type;
  private headerType = 0;
  private length = 0;
  private negative = false;
  private digits = 0;
  private bulkRemaining = 0;
  /** Pending element counts of the arrays being read, innermost last. */
  private readonly arrays: number[] = [];

  /**
   * Feeds a chunk; returns how many top-level replies it completed.
   * @throws BenchError `BAD_RESP` on a byte that cannot start a reply or a bad length
   */
  write(chunk: Uint8Array): number {
    const before = this.replies;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.Type: {
          const t = chunk[i++] as number;
          if (t === 43 /* + */ || t === MINUS || t === 58 /* : */) {
            if (t === MINUS && this.arrays.length === 0) this.errors++;
            this.state = State.Line;
          } else if (t === 36 /* $ */ || t === 42 /* * */) {
            this.headerType = t;
            this.length = 0;
            this.negative = false;
            this.digits = 0;
            this.state = State.Length;
          } else {
            throw new BenchError(BenchErrorCode.BAD_RESP, `Unexpected RESP type byte 0x${t.toString(16)}`);
          }
          break;
        }
        case State.Line: {
          const lf = chunk.indexOf(LF, i);
          if (lf < 0) {
            i = n;
          } else {
            i = lf + 1;
            this.state = State.Type;
            this.elementDone();
          }
          break;
        }
        case State.Length: {
          const c = chunk[i++] as number;
          if (c >= 48 && c <= 57) {
            this.length = this.length * 10 + (c - 48);
            this.digits++;
          } else if (c === MINUS && this.digits === 0 && !this.negative) {
            this.negative = true;
          } else if (c === CR) {
            // wait for LF
          } else if (c === LF && this.digits > 0) {
            this.headerDone();
          } else {
            throw new BenchError(BenchErrorCode.BAD_RESP, `Bad RESP length byte 0x${c.toString(16)}`);
          }
          break;
        }
        case State.Bulk: {
          const take = Math.min(this.bulkRemaining, n - i);
          i += take;
          this.bulkRemaining -= take;
          if (this.bulkRemaining === 0) {
            this.state = State.Type;
            this.elementDone();
          }
          break;
        }
      }
    }
    return this.replies - before;
  }

  private headerDone(): void {
    this.state = State.Type;
    const len = this.negative ? -this.length : this.length;
    if (len < 0) {
      if (len !== -1) throw new BenchError(BenchErrorCode.BAD_RESP, `Bad RESP length ${len}`);
      if (this.arrays.length === 0) this.nils++;
      this.elementDone();
    } else if (this.headerType === 36) {
      this.bulkRemaining = len + 2;
      this.state = State.Bulk;
    } else if (len === 0) {
      this.elementDone();
    } else {
      this.arrays.push(len);
    }
  }

  /** One value completed: it is a top-level reply or an array element. */
  private elementDone(): void {
    for (;;) {
      const top = this.arrays.length - 1;
      if (top < 0) {
        this.replies++;
        return;
      }
      const left = (this.arrays[top] as number) - 1;
      if (left > 0) {
        this.arrays[top] = left;
        return;
      }
      this.arrays.pop(); // the array itself is complete: it is an element of its parent
    }
  }
}
