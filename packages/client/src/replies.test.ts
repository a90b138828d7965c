import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { encodeValue } from '@merklekv/protocol';
import {
  parseDeleted,
  parseEntries,
  parseGetv,
  parseHash,
  parseInfo,
  parseLeafPage,
  parseMget,
  parsePeerv,
  parsePutvs,
  parseRecords,
  parseScanPage,
  parseStamps,
  parseStats,
  parseTrees,
  parseValue,
} from './replies.js';
import { UnexpectedReplyError } from './errors.js';

describe('reply parsers', () => {
  it('a value reply decodes to exactly the stored string, for any string', () => {
    const get = parseValue('GET');
    fc.assert(fc.property(fc.string({ unit: 'grapheme-composite' }), (v) => get(encodeValue(v)) === v));
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (v) => get(encodeValue(v)) === v));
    expect(get('(null)')).toBeNull();
    expect(get('"(null)"')).toBe('(null)');
  });

  it('INFO becomes sections of name:value pairs (values may hold colons)', () => {
    const info = parseInfo(['# Server Information', 'version:1.0.0', 'node_id:n1', '', '# Replication', 'broker:tcp://h:1883', 'END']);
    expect(info).toEqual({
      'Server Information': { version: '1.0.0', node_id: 'n1' },
      Replication: { broker: 'tcp://h:1883' },
    });
    expect(parseStats(['get_commands:3', 'set_commands:4', 'END'])).toEqual({ get_commands: '3', set_commands: '4' });
  });

  it('MGET, SCAN and LEAF pages, with and without a cursor', () => {
    expect(parseMget(['v', '(null)', '"a\\nb"', 'END'])).toEqual(['v', null, 'a\nb']);
    expect(parseScanPage(['a 1', 'b two words', 'c "  "', 'END c'])).toEqual({
      entries: [
        ['a', '1'],
        ['b', 'two words'],
        ['c', '  '],
      ],
      cursor: 'c',
    });
    expect(parseScanPage(['END'])).toEqual({ entries: [] });
    expect(parseLeafPage(['k1 00ff', 'END'])).toEqual({ entries: [{ key: 'k1', digest: '00ff' }] });
  });

  it('HASH, DEL and GETV', () => {
    expect(parseHash('abcd 12 f16d4-sha256')).toEqual({ root: 'abcd', count: 12, shape: 'f16d4-sha256' });
    expect(() => parseHash('OK')).toThrow(expect.objectContaining({ code: 'UNEXPECTED_REPLY' }));
    expect(parseDeleted('DELETED')).toBe(true);
    expect(parseDeleted('NOT_FOUND')).toBe(false);
    expect(parseGetv(['k -', 'END'])).toEqual([null]);
  });

  it('a single-line reply where lines were expected (and vice versa) is an UnexpectedReplyError', () => {
    expect(() => parseMget('OK')).toThrow(expect.objectContaining({ name: 'UnexpectedReplyError' }));
    expect(() => parseValue('GET')(['a', 'END'])).toThrow(expect.objectContaining({ code: 'UNEXPECTED_REPLY' }));
  });
});

describe('peer protocol 2 reply parsers', () => {
  it('reads PEERV, TREES, ENTRIES, RECORDS and PUTVS replies', () => {
    expect(parsePeerv('PEERV 2')).toBe(2);
    expect(parseTrees(['0 3:9f86d081', '1:ab 0', 'END'])).toEqual([
      [
        { count: 0, hash: '' },
        { count: 3, hash: '9f86d081' },
      ],
      [
        { count: 1, hash: 'ab' },
        { count: 0, hash: '' },
      ],
    ]);
    expect(parseEntries(['k:1 9f86d081', 'END'])).toEqual([{ key: 'k:1', digest: '9f86d081' }]);
    expect(parseRecords(['k:1 17 node-a 0 a b', 'gone 18 node-b 1 ""', 'END'])).toEqual([
      { key: 'k:1', ts: 17, node: 'node-a', deleted: false, value: 'a b' },
      { key: 'gone', ts: 18, node: 'node-b', deleted: true, value: '' },
    ]);
    expect(parsePutvs('OK applied=3 stale=1')).toEqual({ applied: 3, stale: 1 });
    expect(parseStamps(['k:1 17 node-a 0', 'END'])).toEqual([{ key: 'k:1', ts: 17, node: 'node-a', deleted: false }]);
    expect(() => parseStamps(['k:1 17', 'END'])).toThrow(UnexpectedReplyError);
  });

  it('rejects replies of the wrong shape', () => {
    expect(() => parsePeerv('PEERV')).toThrow(UnexpectedReplyError);
    expect(() => parseTrees(['0 3:XYZ', 'END'])).toThrow(UnexpectedReplyError);
    expect(() => parsePutvs('OK')).toThrow(UnexpectedReplyError);
    expect(() => parseRecords('OK')).toThrow(UnexpectedReplyError);
  });
});
