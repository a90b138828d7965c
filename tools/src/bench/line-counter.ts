/**
 * Counts reply lines of the MerkleKV text protocol in a byte stream, chunk
 * by chunk. Every reply to SET and GET is one line, so counting `\n` bytes
 * (a native `indexOf` scan) counts replies. The first bytes of each line are
 * also classified: `ERROR` lines count as errors, `(null)` lines as nils.
 */
import type { ReplyCounts } from './resp-counter.js';

const LF = 10;
const ERROR = Buffer.from('ERROR');
const NULL = Buffer.from('(null)\r\n');

/** Streaming line-reply counter for the MerkleKV protocol. */
export class LineReplyCounter implements ReplyCounts {
  replies = 0;
  errors = 0;
  nils = 0;

  /** Bytes of the current line seen so far, up to the longest prefix matched. */
  private lineBytes = 0;
  private maybeError = true;
  private maybeNull = true;

  /** Feeds a chunk; returns how many replies it completed. */
  write(chunk: Uint8Array): number {
    const before = this.replies;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.lineBytes < NULL.length && (this.maybeError || this.maybeNull)) {
        i = this.classify(chunk, i);
        continue;
      }
      const lf = chunk.indexOf(LF, i);
      if (lf < 0) return this.replies - before;
      i = lf + 1;
      this.endLine();
    }
    return this.replies - before;
  }

  /** Matches line-start bytes against `ERROR` / `(null)\r\n` one at a time. */
  private classify(chunk: Uint8Array, start: number): number {
    let i = start;
    while (i < chunk.length && this.lineBytes < NULL.length && (this.maybeError || this.maybeNull)) {
      const c = chunk[i++] as number;
      const at = this.lineBytes++;
      if (c === LF) {
        // `(null)` then LF, or then CR LF
        if (this.maybeNull && at >= NULL.length - 2) this.nils++;
        this.endLine();
        return i;
      }
      if (this.maybeError && (at >= ERROR.length || c !== ERROR[at])) this.maybeError = false;
      if (this.maybeNull && c !== NULL[at]) this.maybeNull = false;
      if (this.maybeError && at === ERROR.length - 1) {
        this.errors++;
        this.maybeError = false;
        this.maybeNull = false;
      }
    }
    return i;
  }

  private endLine(): void {
    this.replies++;
    this.lineBytes = 0;
    this.maybeError = true;
    this.maybeNull = true;
  }
}
