import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { NodeTable } from './node-table.js';

describe('NodeTable', () => {
  it('maps every held number back to its id, keeps numbers distinct, and frees an id with its last holder (a list of holders as the model)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('acquire' as const), name: fc.constantFrom('a', 'b', 'node-3', 'é', '') }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const table = new NodeTable();
        const held: Array<{ name: string; n: number }> = [];
        let most = 0;
        for (const o of ops) {
          if (o.kind === 'acquire') held.push({ name: o.name, n: table.acquire(o.name) });
          else if (held.length > 0) {
            const [h] = held.splice(o.pick % held.length, 1);
            table.release((h as { n: number }).n);
          }
          const names = new Set(held.map((h) => h.name));
          most = Math.max(most, names.size);
          expect(table.size).toBe(names.size);
          for (const h of held) expect(table.name(h.n)).toBe(h.name);
          // One number per id, distinct ids never share one, and freed numbers are reused.
          const byName = new Map(held.map((h) => [h.name, h.n]));
          expect(new Set(byName.values()).size).toBe(byName.size);
          for (const h of held) expect(h.n).toBe(byName.get(h.name));
          for (const h of held) expect(h.n).toBeLessThan(most);
        }
      }),
    );
  });
});
