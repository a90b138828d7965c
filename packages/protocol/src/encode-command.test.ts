import fc from 'fast-check';
import { commandArb } from './__tests__/arbitraries.js';
import type { Command } from './command.js';
import { encodeCommand } from './encode-command.js';
import { parseCommandLine } from './parse-command.js';

describe('encodeCommand', () => {
  it.each<[Command, string]>([
    [{ type: 'SET', key: 'k', value: 'Hello World' }, 'SET k Hello World'],
    [{ type: 'SET', key: 'k', value: ' padded ' }, 'SET k " padded "'],
    [{ type: 'APPEND', key: 'k', value: '' }, 'APPEND k ""'],
    [{ type: 'DEL', key: 'k' }, 'DEL k'],
    [{ type: 'INCR', key: 'n', amount: 1n }, 'INCR n 1'],
    [{ type: 'DECR', key: 'n', amount: -5n }, 'DECR n -5'],
    [{ type: 'VERSION' }, 'VERSION'],
    [{ type: 'BACKUP' }, 'BACKUP'],
    [{ type: 'PING' }, 'PING'],
    [{ type: 'PING', message: '' }, 'PING ""'],
    [{ type: 'ECHO', message: 'a\nb' }, 'ECHO "a\\nb"'],
    [{ type: 'MGET', keys: ['a', 'b'] }, 'MGET a b'],
    [{ type: 'MSET', entries: [['a', 'x y'], ['b', 'z']] }, 'MSET a "x y" b z'],
    [{ type: 'SCAN', prefix: '' }, 'SCAN *'],
    [{ type: 'SCAN', prefix: 'user:', cursor: 'user:9', count: 50 }, 'SCAN user: user:9 COUNT 50'],
    [{ type: 'TREE', path: [] }, 'TREE -'],
    [{ type: 'LEAF', path: [3, 15], cursor: 'k' }, 'LEAF 3.15 k'],
    [{ type: 'PUTV', version: { key: 'k', ts: 42, node: 'n1', deleted: true, value: '' } }, 'PUTV k 42 n1 1 ""'],
    [{ type: 'SYNC', peer: 'localhost:7879' }, 'SYNC localhost:7879'],
    [{ type: 'AUTH', password: 'pass word' }, 'AUTH "pass word"'],
    [{ type: 'AUTH', user: 'alice', password: 's3cret' }, 'AUTH alice s3cret'],
  ])('writes %j', (command, line) => {
    expect(encodeCommand(command)).toBe(`${line}\r\n`);
  });

  it.each<[Command, string]>([
    [{ type: 'GET', key: 'a b' }, "GET key must not contain a space, got 'a b'"],
    [{ type: 'SET', key: '', value: 'v' }, 'SET key must not be empty'],
    [{ type: 'INCR', key: 'n', amount: 2n ** 63n }, "INCR amount must be a 64-bit signed integer, got '9223372036854775808'"],
    [{ type: 'MGET', keys: [] }, 'Missing arguments: MGET needs at least one key'],
    [{ type: 'MSET', entries: [] }, 'Missing arguments: MSET needs at least one key and value'],
    [{ type: 'SCAN', prefix: '*' }, "SCAN prefix '*' cannot be sent"],
    [{ type: 'SCAN', prefix: '', count: 0 }, "SCAN COUNT must be an integer from 1 to 1000, got '0'"],
    [{ type: 'TREE', path: [1.5] }, 'Tree path must be'],
    [{ type: 'PUTV', version: { key: 'k', ts: -1, node: 'n', deleted: false, value: '' } }, "Version ts must be a non-negative integer timestamp, got '-1'"],
    [{ type: 'SYNC', peer: 'nohost' }, "SYNC peer must be host:port with a port from 1 to 65535, got 'nohost'"],
    [{ type: 'AUTH', user: 'a b', password: 'p' }, "AUTH user must not contain a space, got 'a b'"],
  ])('refuses %j', (command, message) => {
    expect(() => encodeCommand(command)).toThrow(message);
  });

  it('property: parseCommandLine(encodeCommand(c)) deep-equals c, on one line', () => {
    fc.assert(
      fc.property(commandArb, (command) => {
        const line = encodeCommand(command);
        expect(line.endsWith('\r\n')).toBe(true);
        const body = line.slice(0, -2);
        expect(body).not.toMatch(/[\r\n]/);
        expect(parseCommandLine(body)).toEqual(command);
      }),
      { numRuns: 3000 },
    );
  });
});
