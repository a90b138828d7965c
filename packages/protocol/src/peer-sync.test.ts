import fc from 'fast-check';
import type { Command, WireVersion } from './command.js';
import { encodeCommand } from './encode-command.js';
import { ProtocolError } from './errors.js';
import { parseCommandLine } from './parse-command.js';
import { decodeStamp, encodeStamp, formatChild, parseTreesLine } from './peer-sync.js';

const roundTrip = (cmd: Command): Command => parseCommandLine(encodeCommand(cmd).slice(0, -2));

describe('peer protocol 2 commands', () => {
  it('parses what it encodes: PEERV, TREES, ENTRIES, RECORDS', () => {
    const cmds: Command[] = [
      { type: 'PEERV', version: 2 },
      { type: 'TREES', width: 4, paths: [[], [3, 15]] },
      { type: 'ENTRIES', width: 16, paths: [[3, 15, 0, 7]] },
      { type: 'RECORDS', paths: [[], [1], [2, 3]] },
      { type: 'STAMPS', paths: [[4, 5]] },
    ];
    for (const cmd of cmds) expect(roundTrip(cmd)).toEqual(cmd);
  });

  it('parses what it encodes: PUTVS with any values, tombstones, expiries and quoting included (property)', () => {
    const version = fc.record<WireVersion>(
      {
        key: fc.stringMatching(/^[a-z:0-9"]{1,12}$/),
        ts: fc.nat(),
        node: fc.stringMatching(/^[a-z0-9-]{1,8}$/),
        deleted: fc.boolean(),
        value: fc.string({ maxLength: 20 }),
        expireAt: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      },
      { requiredKeys: ['key', 'ts', 'node', 'deleted', 'value'] },
    );
    fc.assert(
      fc.property(fc.array(version, { minLength: 1, maxLength: 10 }), (versions) => {
        const cmd: Command = { type: 'PUTVS', versions };
        expect(roundTrip(cmd)).toEqual(cmd);
      }),
    );
  });

  it('rejects bad widths, paths and versions with messages that say what is wrong', () => {
    expect(() => parseCommandLine('TREES 0 -')).toThrow('TREES width must be an integer from 1 to 16');
    expect(() => parseCommandLine('TREES 4')).toThrow("Missing arguments: TREES needs at least one path ('-' for the root)");
    expect(() => parseCommandLine('ENTRIES 4 1..2')).toThrow(ProtocolError);
    expect(() => parseCommandLine('PUTVS k 1 n 2 x')).toThrow('PUTVS deleted flag must be 0 or 1');
    expect(() => parseCommandLine('PEERV 2 3')).toThrow('Too many arguments');
  });

  it('writes and reads STAMPS lines', () => {
    const stamp = { key: 'user:1', ts: 1740000000000001, node: 'node-a', deleted: true };
    expect(encodeStamp(stamp)).toBe('user:1 1740000000000001 node-a 1');
    expect(encodeStamp({ ...stamp, expireAt: 0 })).toBe('user:1 1740000000000001 node-a 1');
    expect(decodeStamp(encodeStamp(stamp))).toEqual(stamp);
    expect(() => decodeStamp('user:1 1 node-a 0 extra')).toThrow('STAMPS reply line must be key ts node deleted');
    expect(() => decodeStamp('user:1 1 node-a 2')).toThrow('STAMPS deleted flag must be 0 or 1, optionally followed by :expireAt');
    expect(() => decodeStamp('user:1 1 node-a 0:soon')).toThrow('STAMPS expireAt');
  });

  it('writes and reads STAMPS lines with an expiry: a live record and an expiry tombstone (property)', () => {
    const stampArb = fc.record({
      key: fc.stringMatching(/^[a-z:0-9]{1,12}$/),
      ts: fc.nat(),
      node: fc.stringMatching(/^[a-z0-9-]{1,8}$/),
      deleted: fc.boolean(),
      expireAt: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    });
    fc.assert(
      fc.property(stampArb, (stamp) => {
        const line = encodeStamp(stamp);
        expect(line).toBe(`${stamp.key} ${stamp.ts} ${stamp.node} ${stamp.deleted ? 1 : 0}:${stamp.expireAt}`);
        expect(decodeStamp(line)).toEqual(stamp);
      }),
    );
  });

  it('writes PUTVS items without an expiry exactly as before expiry existed, and with one as flag:expireAt', () => {
    const versions: WireVersion[] = [
      { key: 'user:1', ts: 1740000000009999, node: 'node-b', deleted: false, value: 'Alice B.' },
      { key: 'gone', ts: 1740000000004100, node: 'node-b', deleted: true, value: '', expireAt: 0 },
    ];
    expect(encodeCommand({ type: 'PUTVS', versions })).toBe('PUTVS user:1 1740000000009999 node-b 0 "Alice B." gone 1740000000004100 node-b 1 ""\r\n');
    const withExpiry: WireVersion = { key: 'session:9', ts: 1740000000000002, node: 'node-a', deleted: false, value: 'tok', expireAt: 1790000060000 };
    expect(encodeCommand({ type: 'PUTVS', versions: [withExpiry] })).toBe('PUTVS session:9 1740000000000002 node-a 0:1790000060000 tok\r\n');
    expect(parseCommandLine('PUTVS session:9 1740000000000002 node-a 0:1790000060000 tok')).toEqual({ type: 'PUTVS', versions: [withExpiry] });
    expect(() => parseCommandLine('PUTVS k 1 n 0: x')).toThrow('PUTVS expireAt');
  });

  it('writes and reads TREES children: count:hash, or 0 when empty', () => {
    const line = [formatChild(0, ''), formatChild(12, '9f86d081'), formatChild(1, 'ab')].join(' ');
    expect(line).toBe('0 12:9f86d081 1:ab');
    expect(parseTreesLine(line)).toEqual([
      { count: 0, hash: '' },
      { count: 12, hash: '9f86d081' },
      { count: 1, hash: 'ab' },
    ]);
    expect(() => parseTreesLine('12:XYZ')).toThrow('TREES reply child must be count:hex or 0');
  });
});
