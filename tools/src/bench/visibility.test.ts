import fc from 'fast-check';
import { MgetReplyReader, ReplyError, splitAt, spreadOf, VisibilityLog } from './visibility.js';

describe('spreadOf', () => {
  it('gives the nearest-rank p50, p99 and the max without reordering its input', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1
    expect(spreadOf(xs)).toEqual({ count: 100, p50: 50, p99: 99, max: 100 });
    expect(xs[0]).toBe(100);
    const empty = spreadOf([]);
    expect(empty.count).toBe(0);
    expect(empty.p50).toBeNaN();
    expect(empty.max).toBeNaN();
  });
});

describe('VisibilityLog', () => {
  it('pends written keys until seen, lowest first, and measures seen − written', () => {
    const log = new VisibilityLog(5);
    expect(log.pending(10)).toEqual([]);
    expect(log.markWritten(3, 10)).toBe(0);
    expect(log.pending(10)).toEqual([0, 1, 2]);
    expect(log.pending(2)).toEqual([0, 1]);
    log.markSeen(1, 12.5);
    expect(log.pending(10)).toEqual([0, 2]);
    log.markSeen(1, 99); // the first sighting counts
    expect(log.seenCount).toBe(1);
    expect(log.markWritten(2, 20)).toBe(3);
    log.markSeen(0, 11);
    log.markSeen(2, 13);
    log.markSeen(4, 21);
    expect(log.pending(10)).toEqual([3]);
    expect(log.complete).toBe(false);
    log.markSeen(3, 24);
    expect(log.complete).toBe(true);
    expect(Array.from(log.latencies())).toEqual([1, 2.5, 3, 4, 1]);
  });

  it('refuses a key not written yet and writes past the total', () => {
    const log = new VisibilityLog(2);
    log.markWritten(1, 0);
    expect(() => log.markSeen(1, 1)).toThrow(RangeError);
    expect(() => log.markWritten(2, 1)).toThrow(/only 2 keys/);
  });

  it('pending is exactly the written, unseen keys in order, whatever the order of sightings', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 60 }), (writes, sightings) => {
        const total = writes.reduce((a, b) => a + b, 0);
        const log = new VisibilityLog(total);
        const seen = new Set<number>();
        let t = 0;
        let s = 0;
        for (const w of writes) {
          log.markWritten(w, t++);
          for (let k = 0; k < 3 && s < sightings.length; k++, s++) {
            const i = (sightings[s] as number) % log.writtenCount;
            log.markSeen(i, t++);
            seen.add(i);
          }
          const expected = Array.from({ length: log.writtenCount }, (_, i) => i).filter((i) => !seen.has(i));
          expect(log.pending(total)).toEqual(expected);
          expect(log.seenCount).toBe(seen.size);
        }
        expect(log.latencies().every((l) => l > 0)).toBe(true);
      }),
    );
  });
});

describe('MgetReplyReader', () => {
  it('reads which keys are present, across chunk boundaries', () => {
    const r = new MgetReplyReader();
    r.expect(3);
    const reply = Buffer.from('abc\r\n(null)\r\n"x y "\r\nEND\r\n');
    let out: boolean[] | undefined;
    for (let i = 0; i < reply.length; i++) {
      const got = r.feed(reply.subarray(i, i + 1));
      if (got !== undefined) out = got;
      else if (i < reply.length - 1) expect(out).toBeUndefined();
    }
    expect(out).toEqual([true, false, true]);
    r.expect(1);
    expect(r.feed(Buffer.from('(null)\r\nEND\r\n'))).toEqual([false]);
  });

  it('reports an error line, a missing END and bytes nobody asked for', () => {
    const r = new MgetReplyReader();
    r.expect(1);
    expect(() => r.feed(Buffer.from('ERROR Unknown command\r\n'))).toThrow(ReplyError);
    const s = new MgetReplyReader();
    s.expect(1);
    expect(() => s.feed(Buffer.from('a\r\nb\r\n'))).toThrow(/expected END after 1 MGET values, got 'b'/);
    expect(() => new MgetReplyReader().feed(Buffer.from('OK\r\n'))).toThrow(/no MGET was sent/);
    const t = new MgetReplyReader();
    t.expect(1);
    expect(() => t.expect(1)).toThrow(/still awaited/);
  });
});

describe('splitAt', () => {
  it('splits each observed key at its midpoint and skips the others', () => {
    const log = new VisibilityLog(3);
    log.markWritten(3, 10);
    log.markSeen(0, 14);
    log.markSeen(1, 20);
    const mid = new Map([
      [0, 11],
      [1, 19],
      [2, 12], // observed on the way, not yet seen
    ]);
    const r = splitAt(log, (i) => mid.get(i));
    expect(r.observed).toBe(2);
    expect(r.before).toEqual({ count: 2, p50: 1, p99: 9, max: 9 });
    expect(r.after).toEqual({ count: 2, p50: 1, p99: 3, max: 3 });
  });
});
