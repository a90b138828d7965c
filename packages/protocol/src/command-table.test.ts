import fc from 'fast-check';
import { arityOf, COMMAND_TABLE, commandInfo, isWrite, RESP_COMMANDS } from './command-table.js';
import type { ProtocolError } from './errors.js';
import { parseCommandLine } from './parse-command.js';
import { COMMAND_USAGE } from './usage.js';

describe('arityOf', () => {
  it.each([
    ['GET key', 1, 1],
    ['DBSIZE', 0, 0],
    ['PING [message]', 0, 1],
    ['MGET key [key ...]', 1, Infinity],
    ['MSET key value [key value ...]', 2, Infinity],
    ['SCAN prefix [cursor] [COUNT n]', 1, 4],
    ['SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|KEEPTTL]', 2, 6],
    ['HELLO [protover [AUTH username password] [SETNAME clientname]]', 0, 6],
    ['CLIENT SETNAME|GETNAME [arg ...]', 1, Infinity],
  ])('%s takes %i to %d arguments', (syntax, min, max) => {
    expect(arityOf(syntax)).toEqual({ min, max });
  });

  it('counts required words exactly, whatever they are called', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { maxLength: 6 }), fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { maxLength: 3 }), (required, optional) => {
        const syntax = ['CMD', ...required, ...optional.map((o) => `[${o}]`)].join(' ');
        expect(arityOf(syntax)).toEqual({ min: required.length, max: required.length + optional.length });
      }),
    );
  });
});

describe('the command table', () => {
  it('names each command once, in upper case, with a syntax that starts with the name', () => {
    const names = COMMAND_TABLE.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of COMMAND_TABLE) {
      expect(c.name).toMatch(/^[A-Z]+$/);
      expect(c.text ?? c.resp).toBeDefined();
      if (c.text !== undefined) expect(c.text.split(' ')[0]).toBe(c.name);
      if (c.resp !== undefined) expect(c.resp.split(' ')[0]).toBe(c.name);
      expect(c.summary.length).toBeGreaterThan(5);
    }
  });

  it('has a row for every text-protocol command the parser knows, and the parser knows every text row', () => {
    for (const c of COMMAND_TABLE.filter((row) => row.text !== undefined)) {
      for (const name of [c.name, ...(c.textAliases ?? [])]) {
        let error: unknown;
        try {
          parseCommandLine(name);
        } catch (err) {
          error = err;
        }
        // A bare name parses or misses arguments; it is never an unknown command.
        if (error !== undefined) expect((error as ProtocolError).code).not.toBe('INVALID_COMMAND');
      }
    }
    expect(Object.keys(COMMAND_USAGE).sort()).toEqual(COMMAND_TABLE.filter((c) => c.text !== undefined).map((c) => c.name).sort());
  });

  it("rejects too many arguments exactly where the text syntax's arity ends", () => {
    for (const [name, usage] of Object.entries(COMMAND_USAGE)) {
      const { max } = arityOf(usage);
      if (max === Infinity || ['PING', 'ECHO', 'SET', 'APPEND', 'PREPEND', 'PUTV', 'SCAN', 'AUTH'].includes(name)) continue; // rest-of-line values
      const args = Array.from({ length: max + 1 }, (_, i) => (name === 'TREE' || name === 'LEAF' ? (i === 0 ? '-' : String(i)) : `k${i}`));
      expect(() => parseCommandLine([name, ...args].join(' '))).toThrow(/Too many arguments|must|path/);
    }
  });

  it('derives access from flags: peer, then admin, then write, then read, else open', () => {
    expect(commandInfo('GET')?.access).toBe('read');
    expect(commandInfo('SET')?.access).toBe('write');
    expect(commandInfo('FLUSH')?.access).toBe('admin');
    expect(commandInfo('PUTV')?.access).toBe('peer');
    expect(commandInfo('PING')?.access).toBe('open');
    expect(commandInfo('AUTH')?.access).toBe('open');
  });

  it('marks exactly the commands that change the store as writes', () => {
    const writes = COMMAND_TABLE.filter((c) => isWrite(c.name)).map((c) => c.name).sort();
    expect(writes).toEqual(
      [
        'APPEND', 'DECR', 'DECRBY', 'DEL', 'FLUSH', 'FLUSHALL', 'FLUSHDB', 'GETDEL', 'GETEX', 'GETSET', 'INCR', 'INCRBY', 'INCRBYFLOAT', 'MSET', 'MSETNX',
        'PREPEND', 'PUTV', 'PUTVS', 'SET', 'SETNX', 'SYNC', 'UNLINK', 'SETEX', 'PSETEX', 'EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT', 'PERSIST',
      ].sort(),
    );
  });

  it("gives RESP commands Redis' arity convention", () => {
    expect(RESP_COMMANDS.get('GET')?.redisArity).toBe(2);
    expect(RESP_COMMANDS.get('SET')?.redisArity).toBe(-3);
    expect(RESP_COMMANDS.get('MGET')?.redisArity).toBe(-2);
    expect(RESP_COMMANDS.get('DBSIZE')?.redisArity).toBe(1);
    expect(RESP_COMMANDS.has('PUTV')).toBe(false);
  });
});
