import { describe, expect, it } from '@jest/globals';
import { bytesToString, stringToBytes } from '@merklekv/merkle';
import fc from 'fast-check';
import { StorageError } from '../errors.js';
import { makeRecord, tombstone } from '../record.js';
import type { VersionedRecord } from '../record.js';
import { decodeRecord, decodeRecordText, encodeRecord, encodeRecordText } from './record-codec.js';

const recordArb: fc.Arbitrary<VersionedRecord> = fc
  .record({
    value: fc.string({ unit: 'grapheme', maxLength: 50 }),
    ts: fc.maxSafeNat(),
    node: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
    deleted: fc.boolean(),
    expireAt: fc.oneof(fc.constant(0), fc.maxSafeNat()),
  })
  .map(({ value, ts, node, deleted, expireAt }) => makeRecord(value, ts, node, deleted, expireAt));

const plain = (r: VersionedRecord): object => ({ value: r.value, ts: r.ts, node: r.node, deleted: r.deleted, expireAt: r.expireAt ?? 0 });

describe('record codecs', () => {
  it('binary: decode(encode(r)) equals r', () => {
    fc.assert(fc.property(recordArb, (r) => expect(plain(decodeRecord('k', encodeRecord(r)))).toEqual(plain(r))));
  });

  it('text: decode(encode(r)) equals r, even when value or node hold the separators', () => {
    fc.assert(fc.property(recordArb, (r) => expect(plain(decodeRecordText('k', encodeRecordText(r)))).toEqual(plain(r))));
    const tricky = makeRecord('9,3:abc', 7, 'n:1,2');
    expect(plain(decodeRecordText('k', encodeRecordText(tricky)))).toEqual(plain(tricky));
  });

  it('binary: a value of arbitrary bytes (escaped bytes included) is stored as those bytes and read back exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, expiring) => {
        const value = bytesToString(Buffer.from(bytes));
        const r = makeRecord(value, 5, 'node-1', false, expiring ? 1_790_000_000_000 : 0);
        const encoded = encodeRecord(r);
        expect(encoded.subarray(encoded.length - bytes.length).equals(Buffer.from(bytes))).toBe(true);
        expect(plain(decodeRecord('k', encoded))).toEqual(plain(r));
      }),
    );
  });

  it('binary: a record whose value has no escaped byte is encoded byte for byte as before (plain UTF-8)', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const expireAt = r.expireAt ?? 0;
        const node = Buffer.from(r.node, 'utf8');
        const head = Buffer.alloc(expireAt === 0 ? 11 : 19);
        head[0] = 0x10 | (r.deleted ? 1 : 0) | (expireAt === 0 ? 0 : 2);
        head.writeDoubleLE(r.ts, 1);
        head.writeUInt16LE(node.length, 9);
        if (expireAt !== 0) head.writeDoubleLE(expireAt, 11);
        const before = Buffer.concat([head, node, r.deleted ? Buffer.alloc(0) : Buffer.from(r.value, 'utf8')]);
        expect(encodeRecord(r).equals(before)).toBe(true);
      }),
    );
  });

  it('text: a value of arbitrary bytes survives as the bytes the redis engine sends (stringToBytes ⇄ bytesToString)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const r = makeRecord(bytesToString(Buffer.from(bytes)), 5, 'node-1');
        const sent = stringToBytes(encodeRecordText(r));
        expect(plain(decodeRecordText('k', bytesToString(sent)))).toEqual(plain(r));
      }),
    );
  });

  it('writes the readable text form', () => {
    expect(encodeRecordText(makeRecord('hello', 1742, 'node1'))).toBe('V1742,5:node1hello');
    expect(encodeRecordText(tombstone(9, 'n'))).toBe('D9,1:n');
    expect(encodeRecordText(makeRecord('hello', 1742, 'node1', false, 1790000060000))).toBe('V1742@1790000060000,5:node1hello');
    expect(encodeRecordText(makeRecord('', 9, 'n', true, 77))).toBe('D9@77,1:n');
  });

  it('binary: a record without expiry is written byte for byte as before expiry existed', () => {
    const r = makeRecord('hello', 1742, 'node1');
    const b = encodeRecord(r);
    expect(b.length).toBe(11 + 5 + 5);
    expect(b[0]).toBe(0x10);
    const expiring = encodeRecord(makeRecord('hello', 1742, 'node1', false, 1790000060000));
    expect(expiring.length).toBe(b.length + 8);
    expect(expiring[0]).toBe(0x12);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['wrong format byte', Buffer.from([0x20, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0x61])],
    ['node length past the end', (() => { const b = encodeRecord(makeRecord('v', 1, 'n')); b.writeUInt16LE(500, 9); return b; })()],
    ['a tombstone with a value', (() => { const b = encodeRecord(makeRecord('v', 1, 'n')); b[0] = 0x11; return b; })()],
    ['a fractional ts', (() => { const b = encodeRecord(makeRecord('v', 1, 'n')); b.writeDoubleLE(1.5, 1); return b; })()],
    ['a negative expiry', (() => { const b = encodeRecord(makeRecord('v', 1, 'n', false, 5)); b.writeDoubleLE(-5, 11); return b; })()],
    ['an expiry flag without the expiry', (() => { const b = encodeRecord(makeRecord('v', 1, 'n')); b[0] = 0x12; return b.subarray(0, 12); })()],
  ])('binary: rejects %s with CORRUPT_RECORD naming the key', (_name, bytes) => {
    expect(() => decodeRecord('user:1', bytes)).toThrow(StorageError);
    expect(() => decodeRecord('user:1', bytes)).toThrow(/stored record of 'user:1' cannot be decoded/);
  });

  it.each(['', 'X1,1:n', 'V1,1n', 'Vx,1:n', 'V1,9:n', 'V1,0:', 'D1,1:nvalue', 'V1.5,1:n', 'V1@,1:n', 'V1@x,1:n', 'V@5,1:n'])('text: rejects %j', (text) => {
    let caught: unknown;
    try {
      decodeRecordText('k', text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StorageError);
    expect((caught as StorageError).code).toBe('CORRUPT_RECORD');
  });
});
