/**
 * The reply bytes of one socket read, gathered in one Buffer: a reply pipeline appends each reply
 * here and writes what it gathered with one `socket.write`, and a handler that can (a GET of a
 * value held as bytes) writes its reply's bytes here directly, with no string in between.
 *
 * The bytes live in 64 KiB slabs carved front to back, as Buffer's own pool does: `take()` hands
 * out a view of the bytes gathered since the last take, and that range is not written again while
 * the view may be in use (a full slab is replaced by a fresh one, the old one freed once the
 * sockets are done with its views), so a view can be handed to `socket.write` with no copy and no
 * wait. When the socket took the view's bytes at once (nothing left buffered: the usual case), the
 * writer says so with `release()`, and if no earlier view is held the slab is reused from its
 * start: the reply bytes stay in one cache-warm slab instead of streaming through fresh memory.
 *
 * One instance serves every connection of the process ({@link sharedReplyBytes}): a pipeline
 * appends and takes within one synchronous run, so two connections' bytes never interleave.
 */

/** Bytes per slab. */
const SLAB_BYTES = 64 * 1024;
/** Strings up to this length are copied by a loop while they are ASCII (no native call). */
const SHORT_TEXT = 256;

/** How a wire format turns a text reply into bytes (the text port restores escaped raw bytes). */
export type TextToBytes = (text: string) => string | Buffer;

export class ReplyBytes {
  /** The current slab: write at {@link end} after {@link reserve}. */
  buf: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
  /** Where the next byte goes; advance it past the bytes written. */
  end = 0;
  /** Start of the bytes not yet taken. */
  private start = 0;
  /** The last view taken has not been released. */
  private viewHeld = false;
  /** Some earlier view of this slab was never released: the slab is not reused. */
  private pinned = false;

  /** Bytes gathered and not yet taken. */
  get length(): number {
    return this.end - this.start;
  }

  /**
   * Makes room for `n` more bytes at {@link end} (moving the bytes not yet taken to a fresh slab
   * when this one is short) and returns the Buffer to write them in.
   */
  reserve(n: number): Buffer {
    if (this.end + n <= this.buf.length) return this.buf;
    const held = this.end - this.start;
    // Twice what is needed when that is more than a slab, so gathering a large reply moves its
    // bytes O(log n) times, not once per append.
    const next = Buffer.allocUnsafeSlow(held + n <= SLAB_BYTES / 2 ? SLAB_BYTES : 2 * (held + n));
    this.buf.copy(next, 0, this.start, this.end);
    this.buf = next;
    this.start = 0;
    this.end = held;
    this.viewHeld = false;
    this.pinned = false;
    return next;
  }

  /** Appends `text` as `encode` turns it into bytes (default: UTF-8). */
  appendText(text: string, encode?: TextToBytes): void {
    const n = text.length;
    if (n <= SHORT_TEXT) {
      const buf = this.reserve(n);
      const at = this.end;
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === n) {
        this.end = at + n;
        return;
      }
    }
    const out = encode === undefined ? text : encode(text);
    if (typeof out !== 'string') return this.appendBytes(out);
    const max = out.length * 3;
    const buf = this.reserve(max);
    this.end += buf.write(out, this.end, max, 'utf8');
  }

  /** Appends a copy of `bytes`. */
  appendBytes(bytes: Uint8Array): void {
    const buf = this.reserve(bytes.length);
    buf.set(bytes, this.end);
    this.end += bytes.length;
  }

  /**
   * The bytes gathered since the last take, as a view that is not written again until
   * {@link release}d; undefined if none.
   */
  take(): Buffer | undefined {
    if (this.end === this.start) return undefined;
    const out = this.buf.subarray(this.start, this.end);
    this.start = this.end;
    if (this.viewHeld) this.pinned = true;
    this.viewHeld = true;
    return out;
  }

  /**
   * The view last taken is no longer used by anyone (the socket took its bytes at once). Unless an
   * earlier view is still held, and once every byte is taken, the slab is reused from its start.
   */
  release(): void {
    this.viewHeld = false;
    if (!this.pinned && this.start === this.end) this.start = this.end = 0;
  }
}

/** The one ReplyBytes of the process's reply pipelines (see the comment at the top of this file). */
export const sharedReplyBytes = new ReplyBytes();
