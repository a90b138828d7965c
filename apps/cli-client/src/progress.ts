/**
 * Import progress: on a TTY a bar redrawn in place (keys, keys/s, ETA from
 * the share of input bytes read); otherwise nothing until the summary line.
 */

/** Where progress is drawn. */
export interface ProgressSink {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** Renders one progress line; `fraction` is undefined when the input size is unknown. */
export function renderProgress(keys: number, elapsedMs: number, fraction: number | undefined, width = 30): string {
  const rate = elapsedMs > 0 ? (keys * 1000) / elapsedMs : 0;
  const stats = `${keys.toLocaleString('en-US')} keys  ${Math.round(rate).toLocaleString('en-US')} keys/s`;
  if (fraction === undefined) return stats;
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * width);
  const etaS = f > 0 ? ((elapsedMs / f) * (1 - f)) / 1000 : undefined;
  const eta = etaS === undefined ? 'ETA --' : `ETA ${etaS < 60 ? `${etaS.toFixed(0)}s` : `${Math.floor(etaS / 60)}m${Math.round(etaS % 60)}s`}`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}%  ${stats}  ${eta}`;
}

/** Redraw interval. */
const REDRAW_MS = 100;
/** Time before the first frame. */
const FIRST_FRAME_DELAY_MS = 500;

/** A throttled progress bar; a no-op unless `sink.isTTY`. */
export class ProgressBar {
  private readonly sink: ProgressSink;
  private readonly started = performance.now();
  /** The first frame waits a little, so that its rate and share are measured over real time, not one read. */
  private lastDraw = this.started + FIRST_FRAME_DELAY_MS - REDRAW_MS;
  private drawn = false;

  constructor(sink: ProgressSink) {
    this.sink = sink;
  }

  /** Redraws at most every 100 ms. */
  update(keys: number, fraction: number | undefined): void {
    if (this.sink.isTTY !== true) return;
    const now = performance.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.drawn = true;
    this.sink.write(`\r\x1b[K${renderProgress(keys, now - this.started, fraction)}`);
  }

  /** Clears the bar so the summary line starts clean. */
  done(): void {
    if (this.drawn) this.sink.write('\r\x1b[K');
  }
}
