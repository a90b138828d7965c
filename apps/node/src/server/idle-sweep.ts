/**
 * Which connections have been idle for `connection_timeout`, found by a periodic sweep.
 *
 * `socket.setTimeout` re-arms a timer on every read and every write of every socket: a few
 * hundred ns per chunk, about 1 µs of CPU per unpipelined request (two refreshes and the clock
 * reads they take). A sweep every quarter of the timeout (at most once a second) instead compares
 * each socket's byte counters with what it saw last time: a connection whose counters have not
 * moved for `timeoutMs` is idle, as Node's socket timeout would have found it (any byte read or
 * written is activity). Activity is seen at the next sweep, so a connection is reported between
 * `timeoutMs` and `timeoutMs` + two periods after its last byte; then its clock starts again (as
 * Node's timer re-arms).
 */

/** What the sweep reads of a socket. */
export interface ByteCounters {
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

interface Seen {
  read: number;
  written: number;
  /** When the counters last moved (or the connection was added / last reported). */
  since: number;
}

/** The sweep's period for a timeout: a quarter of it, between 10 ms and 1 s. */
export function sweepPeriodMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(10, Math.floor(timeoutMs / 4)));
}

/** Tracks the activity of connections `C` (see the comment at the top of this file). */
export class IdleSweep<C> {
  private readonly seen = new Map<C, Seen>();

  /** @param timeoutMs idle time after which a connection is reported (> 0). */
  constructor(public timeoutMs: number) {}

  get size(): number {
    return this.seen.size;
  }

  /** Starts watching `connection` as active at `now`. */
  add(connection: C, counters: ByteCounters, now: number): void {
    this.seen.set(connection, { read: counters.bytesRead, written: counters.bytesWritten, since: now });
  }

  remove(connection: C): void {
    this.seen.delete(connection);
  }

  /** Restarts every connection's idle clock at `now` (a new timeout counts from the change). */
  restart(now: number): void {
    for (const s of this.seen.values()) s.since = now;
  }

  /** The connections idle for at least `timeoutMs` at `now`; their clocks start again. */
  due(now: number, countersOf: (connection: C) => ByteCounters): C[] {
    const idle: C[] = [];
    for (const [connection, s] of this.seen) {
      const c = countersOf(connection);
      const read = c.bytesRead;
      const written = c.bytesWritten;
      if (read !== s.read || written !== s.written) {
        s.read = read;
        s.written = written;
        s.since = now;
      } else if (now - s.since >= this.timeoutMs) {
        s.since = now;
        idle.push(connection);
      }
    }
    return idle;
  }
}
