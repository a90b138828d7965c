/**
 * `bench storage`: Store.set throughput with each storage engine, in one process, same run.
 * Each round writes `--keys` distinct keys through a fresh Store and awaits `store.durable()`,
 * yielding to the event loop every 1,000 writes (as a server does between socket reads) so the
 * write-behind queue hands batches over while writing. Engines alternate round by round and the
 * median round is reported, so a noisy neighbour hits all engines alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LMDB_FILE_NAME, LmdbEngine, MemoryEngine, RedisEngine, Store } from '@merklekv/storage';
import type { StorageEngine } from '@merklekv/storage';
import { positiveOption } from './options.js';
import { startBenchRedis } from './servers.js';

const USAGE = `Usage: bench storage [--keys N] [--value-bytes N] [--rounds N] [--redis]

  --keys N         distinct keys written per round (default 200000)
  --value-bytes N  value size (default 32)
  --rounds N       rounds per engine, median reported (default 5)
  --redis          also the redis engine, on a throwaway redis-server
`;

interface EngineCase {
  readonly label: string;
  readonly make: (round: number) => StorageEngine;
}

async function oneRound(engine: StorageEngine, keys: number, value: string): Promise<number> {
  const store = new Store({ nodeId: 'bench', engine });
  await store.load();
  const started = performance.now();
  for (let i = 0; i < keys; i++) {
    store.set(`key:${i}`, value);
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  await store.durable();
  const ms = performance.now() - started;
  await store.close();
  return (keys / ms) * 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Runs the storage bench; returns the report (a markdown table). */
export async function benchStorage(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: { keys: { type: 'string' }, 'value-bytes': { type: 'string' }, rounds: { type: 'string' }, redis: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return USAGE;
  const keys = positiveOption('keys', values.keys, 200_000);
  const rounds = positiveOption('rounds', values.rounds, 5);
  const value = 'v'.repeat(positiveOption('value-bytes', values['value-bytes'], 32));
  const dir = mkdtempSync(join(tmpdir(), 'merklekv-bench-storage-'));
  const redis = values.redis ? await startBenchRedis() : undefined;
  const cases: EngineCase[] = [
    { label: 'memory', make: () => new MemoryEngine() },
    { label: 'lmdb (sync = batch)', make: (r) => new LmdbEngine({ path: join(dir, `batch${r}`, LMDB_FILE_NAME), sync: 'batch' }) },
    { label: 'lmdb (sync = none)', make: (r) => new LmdbEngine({ path: join(dir, `none${r}`, LMDB_FILE_NAME), sync: 'none' }) },
  ];
  if (redis) cases.push({ label: 'redis', make: (r) => new RedisEngine({ url: `redis://127.0.0.1:${redis.port}`, prefix: `bench:${r}:` }) });
  const results = new Map<string, number[]>(cases.map((c) => [c.label, []]));
  try {
    for (let r = 0; r < rounds; r++) {
      for (const c of cases) results.get(c.label)?.push(await oneRound(c.make(r), keys, value));
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = median(results.get('memory') ?? [1]);
  let out = `Store.set throughput, ${keys} distinct keys of ${value.length}-byte values per round, median of ${rounds} rounds (durable() awaited at the end)\n\n`;
  out += '| engine | ops/s (median) | vs memory | rounds (ops/s) |\n| --- | ---: | ---: | --- |\n';
  for (const c of cases) {
    const xs = results.get(c.label) ?? [];
    const m = median(xs);
    out += `| ${c.label} | ${Math.round(m).toLocaleString('en-US')} | ${(m / base).toFixed(2)}x | ${xs.map((x) => Math.round(x)).join(', ')} |\n`;
  }
  return out;
}
