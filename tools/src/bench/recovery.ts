/**
 * `bench recovery`: how fast a node on lmdb serves again after a restart with many keys, and
 * the memory it then holds. Fills a data_dir with `--keys` records (through a Store on the lmdb
 * engine), then starts the built node (`apps/node/dist/main.js`, else the sources through tsx) on it and measures, from the
 * spawn: the `storage loaded` time the node logs (open + load + tree build), the `listening`
 * line, and the first answered `GET`; then the process RSS, split into anonymous memory (the heap)
 * and file-backed pages (LMDB's memory map, which the load reads through: clean page cache the
 * kernel can drop, not heap). The same start on an empty data_dir is measured too, so the
 * process's own boot (Node and module loading) can be told apart.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LMDB_FILE_NAME, LmdbEngine, Store } from '@merklekv/storage';
import { freePort, NodeProcess } from '@merklekv/test-support';
import { BenchError, BenchErrorCode } from './errors.js';
import { positiveOption } from './options.js';

const USAGE = `Usage: bench recovery [--keys N] [--value-bytes N] [--keep]

  --keys N         records in the data_dir (default 1000000)
  --value-bytes N  value size (default 32)
  --keep           keep the filled data_dir (its path is printed)
`;

interface StartFigures {
  readonly loadedMs: number;
  readonly records: number;
  readonly listeningMs: number;
  readonly servingMs: number;
  readonly rssMb: number;
  /** Of the RSS: anonymous memory (the JS heap and native allocations). */
  readonly anonMb: number;
  /** Of the RSS: file-backed pages (the LMDB map the load read through, and the node binary). */
  readonly fileMb: number;
  readonly hwmMb: number;
}

async function fill(dataDir: string, keys: number, value: string): Promise<number> {
  const started = performance.now();
  const store = new Store({ nodeId: 'recovery', engine: new LmdbEngine({ path: join(dataDir, LMDB_FILE_NAME), sync: 'none' }) });
  await store.load();
  for (let i = 0; i < keys; i++) {
    store.set(`key:${i}`, value);
    if (i % 10_000 === 9_999) await store.durable();
  }
  await store.close();
  return performance.now() - started;
}

function get(port: number, key: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(`GET ${key}\r\n`));
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) {
        s.destroy();
        resolvePromise(text.trim());
      }
    });
    s.once('error', reject);
  });
}

function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function startAndMeasure(dataDir: string, probeKey: string): Promise<StartFigures> {
  const port = await freePort();
  const config = join(dataDir, '..', `node-${port}.toml`);
  writeFileSync(
    config,
    `node_id = "recovery"\n[network]\nbind_address = "127.0.0.1"\nbind_port = ${port}\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n` +
      `[anti_entropy]\nenabled = false\n[storage]\nengine = "lmdb"\ndata_dir = "${dataDir}"\nbackup_interval_hours = 0\n`,
  );
  // The built node when there is one (`npx nx build node`): what production runs, no compile at boot.
  const node = new NodeProcess(config, port, { launch: 'auto' });
  let listeningMs = Number.NaN;
  // Timed at the log line itself, not at the next poll of the port.
  const listening = new Promise<void>((resolveListening) =>
    node.process.onLine((line) => {
      if (Number.isNaN(listeningMs) && line.includes('"msg":"listening"')) {
        listeningMs = performance.now() - t0;
        resolveListening();
      }
    }),
  );
  const t0 = performance.now();
  node.spawn();
  try {
    const ready = node.untilListening({ timeoutMs: 120_000 });
    ready.catch(() => undefined); // raced below; a later failure shows in the GET
    await Promise.race([listening, ready]).catch((err: unknown) => {
      throw new BenchError(BenchErrorCode.SERVER_START_FAILED, err instanceof Error ? err.message : String(err), { cause: err });
    });
    const reply = await get(port, probeKey);
    const servingMs = performance.now() - t0;
    if (reply.startsWith('ERROR')) throw new BenchError(BenchErrorCode.SERVER_START_FAILED, `GET ${probeKey} answered ${reply}`);
    const loaded = /"records":(\d+),"ms":([\d.]+),"msg":"storage loaded"/.exec(node.output());
    const pid = node.pid as number;
    return {
      records: Number(loaded?.[1] ?? Number.NaN),
      loadedMs: Number(loaded?.[2] ?? Number.NaN),
      listeningMs,
      servingMs,
      rssMb: memoryMb(pid, 'VmRSS'),
      anonMb: memoryMb(pid, 'RssAnon'),
      fileMb: memoryMb(pid, 'RssFile'),
      hwmMb: memoryMb(pid, 'VmHWM'),
    };
  } finally {
    await node.stop(10_000);
  }
}

/** Runs the recovery bench; returns the report. */
export async function benchRecovery(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: { keys: { type: 'string' }, 'value-bytes': { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return USAGE;
  const keys = positiveOption('keys', values.keys, 1_000_000);
  const value = 'v'.repeat(positiveOption('value-bytes', values['value-bytes'], 32));
  const dir = mkdtempSync(join(tmpdir(), 'merklekv-bench-recovery-'));
  const full = join(dir, 'full');
  try {
    const empty = await startAndMeasure(join(dir, 'empty'), 'key:0');
    const fillMs = await fill(full, keys, value);
    const bytes = statSync(join(full, LMDB_FILE_NAME)).size;
    const loaded = await startAndMeasure(full, `key:${keys - 1}`);
    const row = (label: string, f: StartFigures): string =>
      `| ${label} | ${f.records.toLocaleString('en-US')} | ${f.loadedMs.toFixed(0)} | ${f.listeningMs.toFixed(0)} | ${f.servingMs.toFixed(0)} | ${f.rssMb.toFixed(0)} | ${f.anonMb.toFixed(0)} | ${f.fileMb.toFixed(0)} | ${f.hwmMb.toFixed(0)} |\n`;
    let out = `Restart of an lmdb node: ${keys.toLocaleString('en-US')} keys of ${value.length}-byte values, file ${(bytes / 2 ** 20).toFixed(0)} MiB (filled in ${(fillMs / 1000).toFixed(1)} s)\n\n`;
    out += '| data_dir | records loaded | storage loaded (ms, node log) | listening (ms from spawn) | first GET answered (ms from spawn) | RSS (MiB) | of which anonymous (heap) | of which file-backed (LMDB map, binary) | peak RSS (MiB) |\n';
    out += '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n';
    out += row('empty', empty);
    out += row(`${keys.toLocaleString('en-US')} keys`, loaded);
    out += `\nServing ${(loaded.servingMs / 1000).toFixed(2)} s after spawn, of which ${(empty.servingMs / 1000).toFixed(2)} s is the process's own boot (Node and module loading, empty data_dir): the ${keys.toLocaleString('en-US')} keys add ${((loaded.servingMs - empty.servingMs) / 1000).toFixed(2)} s.\n`;
    if (values.keep) out += `\ndata_dir kept: ${full}\n`;
    return out;
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}
