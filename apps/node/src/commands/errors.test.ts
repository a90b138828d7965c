import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { parseCommandLine } from '@merklekv/protocol';
import { StorageError, Store } from '@merklekv/storage';
import { validateConfig } from '../config/index.js';
import type { NodeContext } from './context.js';
import { createDispatcher } from './dispatch.js';
import { CommandError, INTERNAL_ERROR_REPLY } from './errors.js';

function node(logLines: string[]): { ctx: NodeContext; run: (line: string) => Promise<string> } {
  const store = new Store({ nodeId: 'n1' });
  const ctx: NodeContext = {
    config: validateConfig({ node_id: 'n1', mqtt: { broker_address: 'none' } }),
    store,
    startedAt: Date.now(),
    counters: { calls: {}, errors: {}, protocolErrors: 0 },
    sections: () => [],
    shutdown: () => undefined,
    logger: pino({ level: 'info' }, { write: (l: string) => void logLines.push(l) }),
  };
  const dispatch = createDispatcher(ctx);
  return { ctx, run: async (line) => dispatch(parseCommandLine(line)) };
}

describe('errors become replies', () => {
  it('a bug (TypeError, plain Error) is answered "Internal error" and logged with its stack, never its raw message', async () => {
    const logs: string[] = [];
    const { ctx, run } = node(logs);
    ctx.store.get = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'value')");
    };
    ctx.store.append = () => {
      throw new Error('secret internal detail');
    };
    expect(await run('GET k')).toBe(INTERNAL_ERROR_REPLY);
    expect(INTERNAL_ERROR_REPLY).toBe('ERROR: Internal error (see the node log)\r\n');
    expect(await run('APPEND k x')).toBe(INTERNAL_ERROR_REPLY);
    expect(logs).toHaveLength(2);
    const first = JSON.parse(logs[0] as string) as { level: number; command: string; err: { type: string; message: string; stack: string } };
    expect(first.level).toBe(50);
    expect(first.command).toBe('GET');
    expect(first.err.type).toBe('TypeError');
    expect(first.err.stack).toMatch(/TypeError: Cannot read properties[\s\S]*at /);
    expect(logs[1]).toContain('secret internal detail');
    expect(ctx.counters.errors).toEqual({ GET: 1, APPEND: 1 });
  });

  it('typed errors keep their replies (and are not logged as bugs), on one line', async () => {
    const logs: string[] = [];
    const { ctx, run } = node(logs);
    expect(await run('SET n abc')).toBe('OK\r\n');
    expect(await run('INCR n')).toBe("ERROR: value of 'n' is not an integer\r\n");
    expect(await run('TREE 99')).toMatch(/^ERROR: tree path index 99 is out of range 0\.\.\d+\r\n$/);
    expect(await run('SYNC 127.0.0.1:1')).toBe('ERROR: anti-entropy is not available on this node\r\n');
    ctx.store.set = () => {
      throw new StorageError('STORAGE_FULL', 'Storage full');
    };
    expect(await run('SET k v')).toBe('ERROR: Storage full\r\n');
    ctx.store.set = () => {
      throw new CommandError('two\r\nlines');
    };
    expect(await run('SET k v')).toBe('ERROR: two lines\r\n');
    expect(logs).toEqual([]);
  });
});
