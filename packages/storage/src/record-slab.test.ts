import { DELETED, RecordSlab } from './record-slab.js';

const digest = (seed: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (seed * 31 + i * 17) & 0xff);

describe('RecordSlab', () => {
  it('keeps every column of every slot across growth', () => {
    const slab = new RecordSlab();
    const n = 5000; // past the initial capacity several times
    for (let i = 0; i < n; i++) {
      const s = slab.allocate();
      expect(s).toBe(i);
      slab.values.set(s, `v${i}`);
      slab.nodes[s] = i % 2 === 0 ? 7 : 9;
      slab.ts[s] = 2 ** 52 + i; // a packed HLC is a large safe integer: kept exactly
      slab.flags[s] = i % 3 === 0 ? DELETED : 0;
      slab.setDigest(s, digest(i));
    }
    for (let i = 0; i < n; i++) {
      expect([slab.values.get(i), slab.nodes[i], slab.ts[i], slab.flags[i]]).toEqual([`v${i}`, i % 2 === 0 ? 7 : 9, 2 ** 52 + i, i % 3 === 0 ? DELETED : 0]);
      expect(slab.digestInto(i, new Uint8Array(16))).toEqual(digest(i));
    }
  });

  it('round-trips digests with high bits set in every lane', () => {
    const slab = new RecordSlab();
    const s = slab.allocate();
    const d = Uint8Array.from({ length: 16 }, (_, i) => 0xff - i);
    slab.setDigest(s, d);
    expect(slab.digestInto(s, new Uint8Array(16))).toEqual(d);
  });

  it('reuses released slots before growing, with their flags, node numbers and values cleared', () => {
    const slab = new RecordSlab();
    const a = slab.allocate();
    const b = slab.allocate();
    slab.values.set(a, 'x');
    slab.nodes[a] = 3;
    slab.flags[a] = DELETED;
    slab.release(a);
    expect([slab.values.get(a), slab.nodes[a], slab.flags[a]]).toEqual(['', 0, 0]);
    expect(slab.allocate()).toBe(a);
    expect(slab.allocate()).toBe(b + 1);
  });

  it('keeps expiries across growth, set and cleared in any order (zeros are left unwritten)', () => {
    const slab = new RecordSlab();
    const n = 3000;
    const model: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = slab.allocate();
      const e = i % 5 === 0 ? 1_700_000_000_000 + i : 0;
      slab.setExpireAt(s, e);
      model.push(e);
      if (i % 10 === 0 && i > 0) {
        slab.setExpireAt(i - 10, 0); // cleared again
        model[i - 10] = 0;
      }
    }
    for (let i = 0; i < n; i++) expect(slab.expireAt[i]).toBe(model[i]);
    const released = 5;
    slab.release(released);
    expect(slab.expireAt[released]).toBe(0);
  });
});
