import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { keyProblem } from '@merklekv/protocol';
import { detectFormat, parseCsvLine, parseJsonLine } from './import-parse.js';

describe('import line parsing', () => {
  it('JSON lines: entries, blanks skipped, bad lines explained', () => {
    expect(parseJsonLine('{"key":"a","value":"x y"}')).toEqual({ key: 'a', value: 'x y' });
    expect(parseJsonLine('  ')).toEqual({ skip: true });
    expect(parseJsonLine('{"key":"a"}')).toEqual({ error: '"value" must be a string, a number or a boolean' });
    expect(parseJsonLine('{"key":"a","value":null}')).toEqual({ error: '"value" must be a string, a number or a boolean' });
    // A number or boolean is stored as its text.
    expect(parseJsonLine('{"key":"n","value":42}')).toEqual({ key: 'n', value: '42' });
    expect(parseJsonLine('{"key":"f","value":1.5}')).toEqual({ key: 'f', value: '1.5' });
    expect(parseJsonLine('{"key":"b","value":true}')).toEqual({ key: 'b', value: 'true' });
    expect(parseJsonLine('[1]')).toEqual({ error: 'expected an object {"key":..,"value":..}' });
    expect(parseJsonLine('{"key":"a b","value":"v"}')).toHaveProperty('error');
    expect(parseJsonLine('{nope')).toHaveProperty('error');
  });

  it('CSV: header skipped, quoted fields, the value is the rest of the line', () => {
    expect(parseCsvLine('key,value', 1)).toEqual({ skip: true });
    expect(parseCsvLine('k,v', 1)).toEqual({ key: 'k', value: 'v' });
    expect(parseCsvLine('k,a,b', 2)).toEqual({ key: 'k', value: 'a,b' });
    expect(parseCsvLine('"k",""""', 2)).toEqual({ key: 'k', value: '"' });
    expect(parseCsvLine('k,"a ""b"", c"\r', 2)).toEqual({ key: 'k', value: 'a "b", c' });
    expect(parseCsvLine('k,', 2)).toEqual({ key: 'k', value: '' });
    expect(parseCsvLine('nocomma', 2)).toEqual({ error: 'expected key,value' });
    expect(parseCsvLine('k,"open', 2)).toEqual({ error: 'unterminated quoted value' });
  });

  it('refuses exactly the keys a node refuses (the protocol rule, not a weaker copy)', () => {
    for (const bad of ['END', 'ERROR:', 'a\u0085b', 'k'.repeat(1025), 'half\ud800', '']) {
      const json = parseJsonLine(JSON.stringify({ key: bad, value: 'v' }));
      expect(json).toEqual({ error: `the key ${keyProblem(bad)}` });
    }
    expect(parseCsvLine('END,v', 2)).toEqual({ error: "the key 'END' is reserved (it would read as reply framing)" });
    expect(parseCsvLine('"a b",v', 2)).toEqual({ error: "the key must not contain a space, got 'a b'" });
  });

  it('a JSON-encoded entry parses back to itself (property)', () => {
    const key = fc.string({ minLength: 1 }).filter((k) => keyProblem(k) === undefined);
    fc.assert(fc.property(key, fc.string(), (k, v) => {
      expect(parseJsonLine(JSON.stringify({ key: k, value: v }))).toEqual({ key: k, value: v });
    }));
  });

  it('a CSV-quoted value parses back to itself (property)', () => {
    fc.assert(fc.property(fc.string().filter((v) => !/[\r\n]/.test(v)), (v) => {
      expect(parseCsvLine(`k,"${v.replace(/"/g, '""')}"`, 2)).toEqual({ key: 'k', value: v });
    }));
  });

  it('detects the format from the name, then the first line', () => {
    expect(detectFormat('a.csv', '{')).toBe('csv');
    expect(detectFormat('a.jsonl', 'k,v')).toBe('jsonl');
    expect(detectFormat('-', ' {"key":"a"}')).toBe('jsonl');
    expect(detectFormat('-', 'k,v')).toBe('csv');
  });
});
