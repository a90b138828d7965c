import { describe, expect, it } from '@jest/globals';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { LmdbEngine, MemoryEngine, RedisEngine } from '@merklekv/storage';
import { validateConfig } from '../config/index.js';
import { createEngine, storagePlan } from './create-engine.js';

const config = (storage: Record<string, unknown>) => validateConfig({ node_id: 'n1', mqtt: { broker_address: 'none' }, storage });
const silent = pino({ level: 'silent' });

describe('storagePlan / createEngine', () => {
  it('defaults to memory, no durable writes', () => {
    expect(storagePlan(config({}))).toMatchObject({ kind: 'memory', durableWrites: false, dataDir: resolve('data/n1') });
    expect(createEngine(config({}), silent)).toBeInstanceOf(MemoryEngine);
  });

  it('persistence_enabled means lmdb in data_dir, default ./data/<node_id>', () => {
    const engine = createEngine(config({ persistence_enabled: true }), silent);
    expect(engine).toBeInstanceOf(LmdbEngine);
    expect((engine as LmdbEngine).path).toBe(join(resolve('data/n1'), 'merklekv.mdb'));
    expect((engine as LmdbEngine).sync).toBe('batch');
  });

  it('engine overrides persistence_enabled; backups go in data_dir/backups; sync = always means durable writes', () => {
    const plan = storagePlan(config({ engine: 'lmdb', data_dir: '/var/lib/mkv', sync: 'always' }));
    expect(plan).toEqual({ kind: 'lmdb', dataDir: '/var/lib/mkv', backupsDir: '/var/lib/mkv/backups', durableWrites: true });
    expect(storagePlan(config({ persistence_enabled: true, engine: 'memory', sync: 'always' })).durableWrites).toBe(false);
  });

  it('redis engine keeps the node under merklekv:<node_id>:, and the log hides a URL password', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const engine = createEngine(config({ engine: 'redis', redis_url: 'redis://user:secret@127.0.0.1:6390' }), logger);
    expect(engine).toBeInstanceOf(RedisEngine);
    expect((engine as RedisEngine).hashKey).toBe('merklekv:n1:records');
    expect(lines.join('')).toContain('redis://***@127.0.0.1:6390');
    expect(lines.join('')).not.toContain('secret');
    void engine.close();
  });
});
