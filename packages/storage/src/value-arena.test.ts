import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ValueArena } from './value-arena.js';

const SLOTS = 40;

/** Values across every kind the arena must tell apart: empty, each size class and its edges, Latin-1, wider characters, past the largest class. */
const value = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.integer({ min: 1, max: 4100 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom(7, 8, 9, 16, 17, 32, 33, 64, 2048, 2049, 4095, 4096, 4097).map((n) => 'é'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);

const op = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), slot: fc.nat(SLOTS - 1), value }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('clear' as const), slot: fc.nat(SLOTS - 1) }) },
);

describe('ValueArena', () => {
  it('reads back what was last set in every slot, under random sets, overwrites and clears (a Map as the model)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const arena = new ValueArena(8);
        let capacity = 8;
        const model = new Map<number, string>();
        for (const o of ops) {
          while (o.slot >= capacity) arena.grow((capacity *= 2));
          if (o.kind === 'set') {
            arena.set(o.slot, o.value);
            model.set(o.slot, o.value);
          } else {
            arena.clear(o.slot);
            model.delete(o.slot);
          }
          // Every slot, not only the one written: a block shared by two slots would show here.
          for (let s = 0; s < capacity; s++) {
            const want = model.get(s) ?? '';
            expect(arena.get(s)).toBe(want);
            expect(arena.length(s)).toBe(want.length);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps values across growth of the slot columns', () => {
    const arena = new ValueArena(4);
    for (let s = 0; s < 1000; s++) {
      if ((s & (s - 1)) === 0 && s >= 4) arena.grow(s * 2);
      arena.set(s, `value-${s}`.repeat((s % 7) + 1));
    }
    for (let s = 0; s < 1000; s++) expect(arena.get(s)).toBe(`value-${s}`.repeat((s % 7) + 1));
  });

  it('reuses freed blocks: overwriting and clearing and setting again does not grow the pages', () => {
    const arena = new ValueArena(4096);
    for (let s = 0; s < 4096; s++) arena.set(s, 'a'.repeat(32));
    const pages = arena.pageBytes;
    for (let round = 0; round < 5; round++) {
      for (let s = 0; s < 4096; s++) arena.set(s, String(round).repeat(30 + (s % 3))); // same class: in place
      for (let s = 0; s < 4096; s += 2) arena.clear(s);
      for (let s = 0; s < 4096; s += 2) arena.set(s, 'b'.repeat(25));
    }
    expect(arena.pageBytes).toBe(pages);
    expect(arena.get(1)).toBe('4'.repeat(31));
    expect(arena.get(2)).toBe('b'.repeat(25));
  });

  it('moves a value to another class when its length crosses a class boundary, freeing the old block', () => {
    const arena = new ValueArena(2);
    arena.set(0, 'a'.repeat(32));
    arena.set(0, 'b'.repeat(33)); // class 64 now; the 32-byte block is free
    arena.set(1, 'c'.repeat(32)); // takes the freed block
    expect([arena.get(0), arena.get(1)]).toEqual(['b'.repeat(33), 'c'.repeat(32)]);
  });

  it('keeps strings it cannot store as Latin-1 bytes unchanged, and returns a fresh flat string for others', () => {
    const arena = new ValueArena(3);
    const wide = `${'a'.repeat(20)}\u0100😀`;
    const long = 'z'.repeat(5000);
    arena.set(0, wide);
    arena.set(1, long);
    arena.set(2, 'ÿ\0\x7f\x80');
    expect([arena.get(0), arena.get(1), arena.get(2)]).toEqual([wide, long, 'ÿ\0\x7f\x80']);
    arena.set(0, 'short');
    expect([arena.get(0), arena.length(0)]).toEqual(['short', 5]);
  });
});

describe('ValueArena.copyTo', () => {
  it('property: copies the Latin-1 bytes of what get returns (short and long values, after overwrites and clears), or -1 for a string', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.nat(64), (ops, offset) => {
        const arena = new ValueArena(SLOTS);
        for (const o of ops) {
          if (o.kind === 'set') arena.set(o.slot, o.value);
          else arena.clear(o.slot);
        }
        const target = Buffer.alloc(4096 + 64 + 8, 0xee);
        for (let s = 0; s < SLOTS; s++) {
          const want = arena.get(s);
          target.fill(0xee);
          const n = arena.copyTo(s, target, offset);
          if (want.length <= 4096 && /^[\0-\xff]*$/.test(want)) {
            expect(n).toBe(want.length);
            expect(target.toString('latin1', offset, offset + n)).toBe(want);
            expect(target.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
            expect(target.subarray(offset + n).every((b) => b === 0xee)).toBe(true);
          } else {
            expect(n).toBe(-1);
            expect(target.every((b) => b === 0xee)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('copies nothing (-1) when the value does not fit from the offset', () => {
    const arena = new ValueArena(2);
    arena.set(0, 'x'.repeat(100));
    const target = Buffer.alloc(100, 0xee);
    expect(arena.copyTo(0, target, 1)).toBe(-1);
    expect(target.every((b) => b === 0xee)).toBe(true);
    expect(arena.copyTo(0, target, 0)).toBe(100);
    expect(target.toString('latin1')).toBe('x'.repeat(100));
  });
});
