import fc from 'fast-check';
import type { ChangeEvent } from './change-event.js';
import { changeBatchSchema, decodeBatch, encodeBatch, wellFormedBatch } from './event-codec.js';
import { ReplicationErrorCode } from './errors.js';
import { keyProblem } from '@merklekv/protocol';

const eventArb = fc.record({
  key: fc.string({ minLength: 1, maxLength: 20 }).filter((k) => keyProblem(k) === undefined),
  ts: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  node: fc.constantFrom('n1', 'n2', 'n3'),
  deleted: fc.boolean(),
  value: fc.string({ maxLength: 30 }),
  expireAt: fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { nil: undefined }),
}).map(({ key, ts, node, deleted, value, expireAt }): ChangeEvent =>
  expireAt === undefined
    ? { key, record: { value: deleted ? '' : value, ts, node, deleted } }
    : { key, record: { value: deleted ? '' : value, ts, node, deleted, expireAt } },
);

function decodeOk(payload: Buffer) {
  const result = decodeBatch(payload);
  if (!result.ok) throw result.error;
  return result.batch;
}

function rejection(payload: string | Buffer, maxBytes?: number): string {
  const result = decodeBatch(typeof payload === 'string' ? Buffer.from(payload) : payload, maxBytes);
  if (result.ok) throw new Error(`accepted ${String(payload)}`);
  return result.error.code;
}

describe('event codec', () => {
  it('round-trips any batch, including tombstones and records written by another node', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 50 }), fc.boolean(), (events, rejoin) => {
        const batch = decodeOk(encodeBatch('n1', events, rejoin));
        expect(batch.node).toBe('n1');
        expect(batch.rejoin).toBe(rejoin);
        expect(batch.events).toEqual(events);
      }),
    );
  });

  it('writes exactly the bytes JSON.stringify gives for the wire layout, whatever the strings hold', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('"', '\\', '\u0000\n\t', '\ud800', 'a\udc00b', '😀', '\u2028', 'x'.repeat(100), `${'y'.repeat(70)}"`, 'é'.repeat(70), 'z'.repeat(200_000)));
    const arb = fc.record({ key: text, ts: fc.nat({ max: Number.MAX_SAFE_INTEGER }), node: fc.oneof(fc.constant('n"1'), text), deleted: fc.boolean(), value: text });
    fc.assert(
      fc.property(fc.array(arb, { maxLength: 20 }), fc.boolean(), (raw, rejoin) => {
        const events: ChangeEvent[] = raw.map(({ key, ts, node, deleted, value }) => ({ key, record: { value: deleted ? '' : value, ts, node, deleted } }));
        const e = events.map(({ key, record: r }) => {
          const head = [key, r.ts, r.deleted ? 1 : 0];
          if (r.deleted) return r.node === 'n"1' ? head : [...head, '', r.node];
          return r.node === 'n"1' ? [...head, r.value] : [...head, r.value, r.node];
        });
        const expected = JSON.stringify(rejoin ? { v: 1, n: 'n"1', e, r: 1 } : { v: 1, n: 'n"1', e });
        expect(encodeBatch('n"1', events, rejoin).equals(Buffer.from(expected, 'utf8'))).toBe(true);
      }),
    );
  });

  it('carries binary values exactly: escaped bytes U+DC80..U+DCFF travel as JSON \\udcXX escapes, not U+FFFD', () => {
    // How the RESP port holds a byte that is not UTF-8 (merkle's bytes.ts): one lone U+DC80..U+DCFF.
    const escapedByte = fc.integer({ min: 0x80, max: 0xff }).map((b) => String.fromCharCode(0xdc00 + b));
    const binaryValue = fc.array(fc.oneof(fc.string({ maxLength: 4 }), escapedByte), { maxLength: 20 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(binaryValue, binaryValue, fc.boolean(), (a, b, expiring) => {
        const events: ChangeEvent[] = [
          { key: 'k1', record: expiring ? { value: a, ts: 1, node: 'n2', deleted: false, expireAt: 9 } : { value: a, ts: 1, node: 'n2', deleted: false } },
          { key: 'k2', record: { value: b, ts: 2, node: 'n1', deleted: false } },
        ];
        const decoded = decodeOk(encodeBatch('n1', events));
        expect(decoded.events.map((e) => e.record.value)).toEqual([a, b]);
      }),
      { numRuns: 300 },
    );
    const value = `a${String.fromCharCode(0xdcff)}b${String.fromCharCode(0xdc80)}`;
    const payload = encodeBatch('n1', [{ key: 'k', record: { value, ts: 1, node: 'n1', deleted: false } }]);
    expect(payload.toString('latin1')).toContain('"a\\udcffb\\udc80"');
    expect(decodeOk(payload).events[0]?.record.value).toBe(value);
  });

  it('carries an expiry as a sixth place after an explicit writer, and leaves versions without one as before', () => {
    const events: ChangeEvent[] = [
      { key: 's', record: { value: 'tok', ts: 5, node: 'n1', deleted: false, expireAt: 1790000060000 } },
      { key: 't', record: { value: '', ts: 6, node: 'n2', deleted: true, expireAt: 1790000000000 } },
      { key: 'u', record: { value: 'v', ts: 7, node: 'n1', deleted: false } },
    ];
    const text = encodeBatch('n1', events).toString('utf8');
    expect(text).toBe('{"v":1,"n":"n1","e":[["s",5,0,"tok","n1",1790000060000],["t",6,1,"","n2",1790000000000],["u",7,0,"v"]]}');
    expect(decodeOk(Buffer.from(text)).events).toEqual(events);
  });

  it('uses the compact tuple layout: tombstones carry no value, the writer only when it differs', () => {
    const events: ChangeEvent[] = [
      { key: 'a', record: { value: 'x y', ts: 5, node: 'n1', deleted: false } },
      { key: 'b', record: { value: '', ts: 6, node: 'n1', deleted: true } },
      { key: 'c', record: { value: 'z', ts: 7, node: 'n9', deleted: false } },
    ];
    expect(encodeBatch('n1', events).toString()).toBe('{"v":1,"n":"n1","e":[["a",5,0,"x y"],["b",6,1],["c",7,0,"z","n9"]]}');
    expect(encodeBatch('n1', [], true).toString()).toBe('{"v":1,"n":"n1","e":[],"r":1}');
  });

  it('costs a small fixed overhead per event over the key and value bytes', () => {
    const events: ChangeEvent[] = Array.from({ length: 256 }, (_, i) => ({
      key: `user:${i}`,
      record: { value: `value-${i}`, ts: 1_830_000_000_000 * 1024 + i, node: 'node-1', deleted: false },
    }));
    const payloadBytes = encodeBatch('node-1', events).length;
    const dataBytes = events.reduce((sum, e) => sum + e.key.length + e.record.value.length, 0);
    expect((payloadBytes - dataBytes) / events.length).toBeLessThan(32);
  });

  it.each([
    ['not JSON', 'hello', ReplicationErrorCode.INVALID_PAYLOAD],
    ['a JSON scalar', '42', ReplicationErrorCode.FOREIGN_PAYLOAD],
    ['a JSON array', '[1,2]', ReplicationErrorCode.FOREIGN_PAYLOAD],
    ['no node id', '{"v":1,"e":[]}', ReplicationErrorCode.FOREIGN_PAYLOAD],
    ['no version', '{"n":"x","e":[]}', ReplicationErrorCode.FOREIGN_PAYLOAD],
    ['another version', '{"v":2,"n":"x","e":[]}', ReplicationErrorCode.UNSUPPORTED_VERSION],
    ['an empty node id', '{"v":1,"n":"","e":[]}', ReplicationErrorCode.INVALID_PAYLOAD],
    ['no events array', '{"v":1,"n":"x"}', ReplicationErrorCode.INVALID_PAYLOAD],
    ['a node id with a space', '{"v":1,"n":"x y","e":[["k",1,0,"v"]]}', ReplicationErrorCode.INVALID_PAYLOAD],
    ['a fractional ts', '{"v":1,"n":"x","e":[["k",1.5,0,"v"]]}', ReplicationErrorCode.INVALID_PAYLOAD],
    ['a negative ts', '{"v":1,"n":"x","e":[["k",-1,0,"v"]]}', ReplicationErrorCode.INVALID_PAYLOAD],
    ['an unsafe ts', `{"v":1,"n":"x","e":[["k",${2 ** 60},0,"v"]]}`, ReplicationErrorCode.INVALID_PAYLOAD],
    ['a live record without value', '{"v":1,"n":"x","e":[["k",1,0]]}', ReplicationErrorCode.INVALID_PAYLOAD],
    ['a tombstone with a value', '{"v":1,"n":"x","e":[["k",1,1,"v"]]}', ReplicationErrorCode.INVALID_PAYLOAD],
    ['a deleted flag of 2', '{"v":1,"n":"x","e":[["k",1,2,"v"]]}', ReplicationErrorCode.INVALID_PAYLOAD],
    ['a numeric value', '{"v":1,"n":"x","e":[["k",1,0,5]]}', ReplicationErrorCode.INVALID_PAYLOAD],
    ['an object event', '{"v":1,"n":"x","e":[{"key":"k"}]}', ReplicationErrorCode.INVALID_PAYLOAD],
  ])('rejects %s', (_name, payload, code) => {
    expect(rejection(payload)).toBe(code);
  });

  it('rejects a payload over the size limit before parsing it', () => {
    expect(rejection(encodeBatch('n', [{ key: 'k', record: { value: 'x'.repeat(100), ts: 1, node: 'n', deleted: false } }]), 64)).toBe(
      ReplicationErrorCode.PAYLOAD_TOO_LARGE,
    );
  });

  it('rejects the whole batch when one event is malformed (nothing half-applied)', () => {
    expect(rejection('{"v":1,"n":"x","e":[["ok",1,0,"v"],["bad",1,0]]}')).toBe(ReplicationErrorCode.INVALID_PAYLOAD);
  });

  it.each([
    ['an empty key', ['', 1, 0, 'v'], 'key must not be empty'],
    ['a key with a space', ['a b', 1, 0, 'v'], "key must not contain a space, got 'a b'"],
    ['a key with CR/LF', ['a\r\nEND', 1, 0, 'v'], 'key must not contain a control character'],
    ['the reserved key END', ['END', 1, 0, 'v'], "key 'END' is reserved"],
    ['a value with a lone surrogate', ['k', 1, 0, 'x\ud800'], "value of 'k' must be valid Unicode"],
    ['a writer id with a space', ['k', 1, 0, 'v', 'evil node'], "writer node id of 'k' must not contain a space"],
  ])('leaves out an event with %s by the protocol rules, and keeps the rest of the batch', (_name, bad, reason) => {
    const payload = JSON.stringify({ v: 1, n: 'x', e: [['ok', 1, 0, 'v'], bad, ['ok2', 2, 1]] });
    const batch = decodeOk(Buffer.from(payload));
    expect(batch.events.map((e) => e.key)).toEqual(['ok', 'ok2']);
    expect(batch.rejected).toHaveLength(1);
    expect(batch.rejected[0]?.index).toBe(1);
    expect(batch.rejected[0]?.reason).toContain(reason);
  });

  it('takes the hand-checked path for every batch this build encodes', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 10 }), fc.boolean(), (events, rejoin) => {
        const json = JSON.parse(encodeBatch('n1', events, rejoin).toString('utf8')) as object;
        expect(wellFormedBatch(json)).toEqual(changeBatchSchema.parse(json));
      }),
    );
  });

  it('the hand-checked path accepts nothing the zod schema refuses, and returns what zod returns', () => {
    const scalar = fc.oneof(fc.constantFrom(0, 1, -1, -0, 1.5, 2 ** 53, 2 ** 53 - 1, '', 'x', null, true), fc.integer(), fc.string({ maxLength: 3 }));
    const tuple = fc.oneof(
      fc.array(scalar, { minLength: 2, maxLength: 7 }),
      fc.tuple(fc.string({ maxLength: 3 }), fc.nat(), fc.constantFrom(0, 1), fc.option(fc.string({ maxLength: 3 }), { nil: undefined })).map((t) => (t[3] === undefined ? t.slice(0, 3) : t)),
      fc.tuple(fc.string({ maxLength: 3 }), fc.nat(), fc.constantFrom(0, 1), fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), fc.oneof(fc.nat(), scalar)),
      scalar,
    );
    const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: bad });
    const batch = fc.record(
      {
        v: mostly(fc.constant(1), scalar),
        n: mostly(fc.string({ maxLength: 3 }), scalar),
        e: mostly(fc.array(tuple, { maxLength: 3 }), scalar),
        r: mostly(fc.constant(1), scalar),
        extra: scalar,
      },
      { requiredKeys: ['v', 'n', 'e'] },
    );
    let accepted = 0;
    fc.assert(
      fc.property(batch, (b) => {
        const json = JSON.parse(JSON.stringify(b)) as object;
        const fast = wellFormedBatch(json);
        if (fast === undefined) return;
        accepted++;
        expect(changeBatchSchema.safeParse(json)).toEqual({ success: true, data: fast });
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(100); // the generator reaches the accepting side too
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof decodeBatch(Buffer.from(bytes)).ok).toBe('boolean');
      }),
    );
  });
});
