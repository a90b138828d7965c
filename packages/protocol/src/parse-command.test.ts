import type { Command } from './command.js';
import { ProtocolError } from './errors.js';
import type { ProtocolErrorCode } from './errors.js';
import { parseCommandLine } from './parse-command.js';

const valid: [string, Command][] = [
  ['SET user:100 jane_doe', { type: 'SET', key: 'user:100', value: 'jane_doe' }],
  ['SET config:database {"host":"localhost","port":5432}', { type: 'SET', key: 'config:database', value: '{"host":"localhost","port":5432}' }],
  ['SET message:1 Hello World from MerkleKV', { type: 'SET', key: 'message:1', value: 'Hello World from MerkleKV' }],
  ['SET user:alice "Alice Johnson"', { type: 'SET', key: 'user:alice', value: 'Alice Johnson' }],
  ['SET k ""', { type: 'SET', key: 'k', value: '' }],
  ['SET k "a\\r\\nb"  ', { type: 'SET', key: 'k', value: 'a\r\nb' }],
  ['SET   k    spaced  value ', { type: 'SET', key: 'k', value: 'spaced  value ' }],
  ['  set k v', { type: 'SET', key: 'k', value: 'v' }],
  ['SET k a"b', { type: 'SET', key: 'k', value: 'a"b' }],
  ['GET user:100', { type: 'GET', key: 'user:100' }],
  ['get ключ', { type: 'GET', key: 'ключ' }],
  ['DEL k', { type: 'DEL', key: 'k' }],
  ['DELETE k', { type: 'DEL', key: 'k' }],
  ['delete k', { type: 'DEL', key: 'k' }],
  ['INCR counter', { type: 'INCR', key: 'counter', amount: 1n }],
  ['INCR counter 5', { type: 'INCR', key: 'counter', amount: 5n }],
  ['INCR counter -9223372036854775808', { type: 'INCR', key: 'counter', amount: -(2n ** 63n) }],
  ['DECR counter', { type: 'DECR', key: 'counter', amount: 1n }],
  ['Decr counter 9223372036854775807', { type: 'DECR', key: 'counter', amount: 2n ** 63n - 1n }],
  ['APPEND greeting " World!"', { type: 'APPEND', key: 'greeting', value: ' World!' }],
  ['PREPEND greeting "Hi, "', { type: 'PREPEND', key: 'greeting', value: 'Hi, ' }],
  ['VERSION', { type: 'VERSION' }],
  ['info', { type: 'INFO' }],
  ['FLUSH', { type: 'FLUSH' }],
  ['SHUTDOWN  ', { type: 'SHUTDOWN' }],
  ['backup', { type: 'BACKUP' }],
  ['PING', { type: 'PING' }],
  ['PING hello there', { type: 'PING', message: 'hello there' }],
  ['PING ""', { type: 'PING', message: '' }],
  ['ECHO hi  there', { type: 'ECHO', message: 'hi  there' }],
  ['ECHO "two\\nlines"', { type: 'ECHO', message: 'two\nlines' }],
  ['EXISTS a b  c', { type: 'EXISTS', keys: ['a', 'b', 'c'] }],
  ['MGET a', { type: 'MGET', keys: ['a'] }],
  ['MSET a 1 b "x y" c "" d e"f', { type: 'MSET', entries: [['a', '1'], ['b', 'x y'], ['c', ''], ['d', 'e"f']] }],
  ['SCAN *', { type: 'SCAN', prefix: '' }],
  ['SCAN user:', { type: 'SCAN', prefix: 'user:' }],
  ['SCAN user: user:5', { type: 'SCAN', prefix: 'user:', cursor: 'user:5' }],
  ['SCAN * COUNT 10', { type: 'SCAN', prefix: '', count: 10 }],
  ['scan * user:5 count 1000', { type: 'SCAN', prefix: '', cursor: 'user:5', count: 1000 }],
  ['SCAN * COUNT', { type: 'SCAN', prefix: '', cursor: 'COUNT' }],
  ['SCAN * COUNT COUNT 2', { type: 'SCAN', prefix: '', cursor: 'COUNT', count: 2 }],
  ['DBSIZE', { type: 'DBSIZE' }],
  ['SETEX session:1 60 token with spaces', { type: 'SETEX', key: 'session:1', ttl: 60, value: 'token with spaces' }],
  ['psetex k 1500 "v"', { type: 'PSETEX', key: 'k', ttl: 1500, value: 'v' }],
  ['EXPIRE k 10', { type: 'EXPIRE', key: 'k', time: 10 }],
  ['EXPIRE k -1', { type: 'EXPIRE', key: 'k', time: -1 }],
  ['PEXPIRE k 250', { type: 'PEXPIRE', key: 'k', time: 250 }],
  ['EXPIREAT k 1790000000', { type: 'EXPIREAT', key: 'k', time: 1790000000 }],
  ['pexpireat k 1790000000123', { type: 'PEXPIREAT', key: 'k', time: 1790000000123 }],
  ['TTL k', { type: 'TTL', key: 'k' }],
  ['PTTL k', { type: 'PTTL', key: 'k' }],
  ['PERSIST k', { type: 'PERSIST', key: 'k' }],
  ['STATS', { type: 'STATS' }],
  ['HASH', { type: 'HASH' }],
  ['TREE -', { type: 'TREE', path: [] }],
  ['TREE 3.15', { type: 'TREE', path: [3, 15] }],
  ['LEAF 0.1.2.3', { type: 'LEAF', path: [0, 1, 2, 3] }],
  ['LEAF 0.1.2.3 user:9', { type: 'LEAF', path: [0, 1, 2, 3], cursor: 'user:9' }],
  ['GETV a b', { type: 'GETV', keys: ['a', 'b'] }],
  ['PUTV k 1740000000000001 node-a 0 hello world', { type: 'PUTV', version: { key: 'k', ts: 1740000000000001, node: 'node-a', deleted: false, value: 'hello world' } }],
  ['PUTV k 7 node-b 1 ""', { type: 'PUTV', version: { key: 'k', ts: 7, node: 'node-b', deleted: true, value: '' } }],
  ['SYNC 127.0.0.1:7879', { type: 'SYNC', peer: '127.0.0.1:7879' }],
  ['SYNC [::1]:7879', { type: 'SYNC', peer: '[::1]:7879' }],
  ['AUTH s3cret', { type: 'AUTH', password: 's3cret' }],
  ['auth alice s3cret', { type: 'AUTH', user: 'alice', password: 's3cret' }],
  ['AUTH "pass word"', { type: 'AUTH', password: 'pass word' }],
  ['AUTH bob  "two words"  ', { type: 'AUTH', user: 'bob', password: 'two words' }],
  ['AUTH ""', { type: 'AUTH', password: '' }],
];

describe('parseCommandLine: valid lines', () => {
  it.each(valid)('%s', (line, command) => {
    expect(parseCommandLine(line)).toEqual(command);
  });
});

const invalid: [string, ProtocolErrorCode, string][] = [
  ['FOO bar', 'INVALID_COMMAND', "Invalid command 'FOO'"],
  ['AUTHX secret', 'INVALID_COMMAND', "Invalid command 'AUTHX'"],
  ['AUTH', 'MISSING_ARGUMENTS', 'Missing arguments: AUTH needs a password (AUTH [user] password)'],
  ['AUTH a b c', 'TOO_MANY_ARGUMENTS', "Too many arguments: usage is 'AUTH [user] password', got extra 'c'"],
  ['AUTH "ab" c', 'INVALID_KEY', "AUTH user must not start with a quote, got '\"ab\"'"],
  ['ſet k v', 'INVALID_COMMAND', "Invalid command 'ſet'"],
  ['GE\x01T k', 'INVALID_COMMAND', "Invalid command 'GE\\x01T'"],
  ['   ', 'EMPTY_LINE', 'Empty command line'],
  ['SET', 'MISSING_ARGUMENTS', 'Missing arguments: SET needs a key and a value'],
  ['SET k', 'MISSING_ARGUMENTS', 'Missing arguments: SET needs a key and a value'],
  ['SET k   ', 'MISSING_ARGUMENTS', 'Missing arguments: SET needs a key and a value'],
  ['APPEND k', 'MISSING_ARGUMENTS', 'Missing arguments: APPEND needs a key and a value'],
  ['SET k "open', 'INVALID_VALUE', 'SET value has no closing quote: \'"open\''],
  ['SET k "a" b', 'INVALID_VALUE', "SET value has text after its closing quote: 'b'"],
  ['SET k\tx v', 'INVALID_KEY', "SET key must not contain a control character, got 'k\\x09x'"],
  [`SET ${'k'.repeat(1025)} v`, 'INVALID_KEY', `SET key is too long (1025 bytes, limit 1024): '${'k'.repeat(64)}...'`],
  ['SET END v', 'INVALID_KEY', "SET key 'END' is reserved (it would read as reply framing)"],
  ['GET', 'MISSING_ARGUMENTS', 'Missing arguments: GET needs a key'],
  ['GET a b', 'TOO_MANY_ARGUMENTS', "Too many arguments: usage is 'GET key', got extra 'b'"],
  ['DELETE', 'MISSING_ARGUMENTS', 'Missing arguments: DEL needs a key'],
  ['INCR', 'MISSING_ARGUMENTS', 'Missing arguments: INCR needs a key'],
  ['INCR c abc', 'INVALID_ARGUMENT', "INCR amount must be a 64-bit signed integer, got 'abc'"],
  ['INCR c 1.5', 'INVALID_ARGUMENT', "INCR amount must be a 64-bit signed integer, got '1.5'"],
  ['DECR c 9223372036854775808', 'INVALID_ARGUMENT', "DECR amount must be a 64-bit signed integer, got '9223372036854775808'"],
  ['INCR c 1 2', 'TOO_MANY_ARGUMENTS', "Too many arguments: usage is 'INCR key [amount]', got extra '2'"],
  ['VERSION now', 'TOO_MANY_ARGUMENTS', "Too many arguments: usage is 'VERSION', got extra 'now'"],
  ['BACKUP /tmp/x', 'TOO_MANY_ARGUMENTS', "Too many arguments: usage is 'BACKUP', got extra '/tmp/x'"],
  ['ECHO', 'MISSING_ARGUMENTS', 'Missing arguments: ECHO needs a message'],
  ['PING "x', 'INVALID_VALUE', 'PING message has no closing quote: \'"x\''],
  ['EXISTS', 'MISSING_ARGUMENTS', 'Missing arguments: EXISTS needs at least one key'],
  ['MGET a ERROR:', 'INVALID_KEY', "MGET key 'ERROR:' is reserved (it would read as reply framing)"],
  ['MSET', 'MISSING_ARGUMENTS', 'Missing arguments: MSET needs at least one key and value'],
  ['MSET a 1 b', 'MISSING_ARGUMENTS', "Missing arguments: MSET needs a value after key 'b' (keys and values come in pairs)"],
  ['MSET a "x"y', 'INVALID_VALUE', "MSET value for key 'a' needs a space after its closing quote, got 'y'"],
  ['SCAN', 'MISSING_ARGUMENTS', "Missing arguments: SCAN needs a prefix ('*' for every key)"],
  ['SCAN * COUNT 0', 'INVALID_ARGUMENT', "SCAN COUNT must be an integer from 1 to 1000, got '0'"],
  ['SCAN * COUNT 1001', 'INVALID_ARGUMENT', "SCAN COUNT must be an integer from 1 to 1000, got '1001'"],
  ['SCAN * a b', 'TOO_MANY_ARGUMENTS', "Too many arguments: usage is 'SCAN prefix [cursor] [COUNT n]', got extra 'b'"],
  ['TREE', 'MISSING_ARGUMENTS', "Missing arguments: TREE needs a path ('-' for the root)"],
  ['TREE 1..2', 'INVALID_ARGUMENT', "TREE path must be '-' (the root) or child indexes 0..65535 joined with '.' (e.g. 3.15, at most 32 levels), got '1..2'"],
  ['LEAF 01', 'INVALID_ARGUMENT', "LEAF path must be '-' (the root) or child indexes 0..65535 joined with '.' (e.g. 3.15, at most 32 levels), got '01'"],
  ['LEAF - a b', 'TOO_MANY_ARGUMENTS', "Too many arguments: usage is 'LEAF path [cursor]', got extra 'b'"],
  ['PUTV k 1 n 0', 'MISSING_ARGUMENTS', 'Missing arguments: PUTV needs key ts node deleted value (a tombstone\'s value is "")'],
  ['PUTV k -1 n 0 v', 'INVALID_ARGUMENT', "PUTV ts must be a non-negative integer timestamp, got '-1'"],
  ['PUTV k 1 n 2 v', 'INVALID_ARGUMENT', "PUTV deleted flag must be 0 or 1, optionally followed by :expireAt, got '2'"],
  ['SETEX k 10', 'MISSING_ARGUMENTS', 'Missing arguments: SETEX needs a key, a time to live and a value'],
  ['SETEX k 0 v', 'INVALID_ARGUMENT', "SETEX seconds must be a positive integer, got '0'"],
  ['PSETEX k 1.5 v', 'INVALID_ARGUMENT', "PSETEX milliseconds must be a positive integer, got '1.5'"],
  ['EXPIRE k', 'MISSING_ARGUMENTS', 'Missing arguments: EXPIRE needs a key and seconds'],
  ['EXPIRE k soon', 'INVALID_ARGUMENT', "EXPIRE seconds must be an integer, got 'soon'"],
  ['PEXPIREAT k 99999999999999999', 'INVALID_ARGUMENT', "PEXPIREAT unix-milliseconds must be an integer, got '99999999999999999'"],
  ['EXPIRE k 1 2', 'TOO_MANY_ARGUMENTS', "Too many arguments: usage is 'EXPIRE key seconds', got extra '2'"],
  ['TTL', 'MISSING_ARGUMENTS', 'Missing arguments: TTL needs a key'],
  ['PERSIST a b', 'TOO_MANY_ARGUMENTS', "Too many arguments: usage is 'PERSIST key', got extra 'b'"],
  ['SYNC', 'MISSING_ARGUMENTS', 'Missing arguments: SYNC needs a peer address host:port'],
  ['SYNC localhost', 'INVALID_ARGUMENT', "SYNC peer must be host:port with a port from 1 to 65535, got 'localhost'"],
  ['SYNC host:70000', 'INVALID_ARGUMENT', "SYNC peer must be host:port with a port from 1 to 65535, got 'host:70000'"],
];

describe('parseCommandLine: errors name the command and the problem', () => {
  it.each(invalid)('%j', (line, code, message) => {
    let caught: unknown;
    try {
      parseCommandLine(line);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    expect(caught).toMatchObject({ code, message });
  });

  it('quotes at most 64 characters of a bad value', () => {
    expect(() => parseCommandLine(`X${'y'.repeat(500)}`)).toThrow(`Invalid command 'X${'y'.repeat(63)}...'`);
  });
});
