/**
 * `cluster --admin HOST:PORT [--watch [--count N]]`: the status page's data
 * (`GET /cluster` on a node's admin listener) as a table, one row per node,
 * or as that JSON with `--json`. `--watch` redraws every second until Ctrl-C
 * (or N redraws). Credentials for a node with `[security]` passwords are the
 * global `--user`/`--password` (HTTP basic auth; the user may be any name with
 * the shared password).
 */
import type { Writable } from 'node:stream';
import { CliError, EXIT, exitCodeOf, usageError, type ExitCode } from './errors.js';
import { toJson } from './format.js';
import type { GlobalOptions } from './options.js';

/** The fields of `GET /cluster` (apps/node/src/status/cluster-view.ts) the table shows. */
export interface ClusterViewJson {
  readonly generatedAt: string;
  readonly nodeId: string;
  readonly antiEntropy: { readonly enabled: boolean; readonly intervalSeconds: number };
  readonly summary: { readonly nodes: number; readonly up: number; readonly unreachable: number; readonly diverged: number };
  readonly nodes: ReadonlyArray<{
    readonly self: boolean;
    readonly address: string;
    readonly nodeId?: string;
    readonly up: boolean;
    readonly error?: string;
    readonly keys?: number;
    readonly root?: string;
    readonly sameRoot?: boolean;
    readonly divergedSeconds?: number;
    readonly replication?: { readonly connected: boolean; readonly queueDepth?: number } | null;
    readonly activity?: { readonly opsPerSec?: number; readonly p99LatencyMs?: number | null };
    readonly lastSession?: { readonly at: string; readonly ok: boolean; readonly roundTrips?: number; readonly keysRepaired?: number; readonly error?: string };
  }>;
}

/** Options of `cluster`. */
export interface ClusterOptions {
  /** The admin listener, `host:port`. */
  readonly admin: string;
  readonly watch: boolean;
  /** With --watch: stop after this many redraws. @default until Ctrl-C */
  readonly count: number | undefined;
}

/** How often --watch redraws. */
const WATCH_MS = 1000;

/** @throws CliError (USAGE) */
export function parseClusterArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>): ClusterOptions & { json: boolean } {
  let admin = env['MERKLEKV_ADMIN'] !== '' ? env['MERKLEKV_ADMIN'] : undefined;
  let watch = false;
  let json = false;
  let count: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw usageError(`${name} needs a value`);
      return v;
    };
    if (name === '--admin') admin = value();
    else if (name === '--watch' && inline === undefined) watch = true;
    else if (name === '--json' && inline === undefined) json = true;
    else if (name === '--count') {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < 1) throw usageError(`--count must be a positive integer, got '${v}'`);
      count = Number(v);
    } else throw usageError('usage: cluster --admin HOST:PORT [--watch [--count N]] [--json]');
  }
  if (admin === undefined) throw usageError('cluster needs the admin listener: --admin HOST:PORT (the node\'s [admin] port) or $MERKLEKV_ADMIN');
  if (!/^[^\s/]+:\d{1,5}$/.test(admin)) throw usageError(`--admin must be host:port, got '${admin}'`);
  if (count !== undefined && !watch) throw usageError('--count goes with --watch');
  return { admin, watch, count, json };
}

/** Fetches `/cluster` once. @throws CliError naming what to fix */
export async function fetchClusterView(admin: string, global: Pick<GlobalOptions, 'user' | 'password' | 'timeoutMs'>): Promise<ClusterViewJson> {
  const headers: Record<string, string> = {};
  if (global.password !== undefined) headers['authorization'] = `Basic ${Buffer.from(`${global.user ?? 'admin'}:${global.password}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetch(`http://${admin}/cluster`, { headers, signal: AbortSignal.timeout(global.timeoutMs > 0 ? global.timeoutMs : 10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new ClusterFetchError(`${admin}: cannot reach the admin listener (${cause}); is [admin] port set on that node?`);
  }
  if (res.status === 401) throw new CliError('INPUT', `${admin}: admin credentials required: pass --user and --password (a user with the admin role, or the shared password)`);
  if (!res.ok) throw new CliError('INPUT', `${admin}: GET /cluster answered ${res.status}: ${(await res.text()).trim()}`);
  return (await res.json()) as ClusterViewJson;
}

/** An admin listener that cannot be reached: exit code 3, like an unreachable node. */
export class ClusterFetchError extends Error {
  override readonly name = 'ClusterFetchError';
}

/** The streams `cluster` uses. */
export interface ClusterIo {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * `merklekv-cli [global options] cluster ...`: runs it and reports a failure
 * as one line on stderr. Exit codes: 0, 1 (the listener refused: credentials,
 * an error), 2 (usage), 3 (the admin listener cannot be reached).
 */
export async function clusterCommand(global: GlobalOptions, io: ClusterIo): Promise<ExitCode> {
  try {
    return await runCluster(global.args, global, io.stdout, io.env);
  } catch (error) {
    io.stderr.write(`merklekv-cli: ${(error as Error).message}\n`);
    return error instanceof ClusterFetchError ? EXIT.UNREACHABLE : exitCodeOf(error);
  }
}

/** Runs `cluster`; resolves to the exit code. */
export async function runCluster(args: readonly string[], global: GlobalOptions, out: Writable & { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): Promise<ExitCode> {
  const opts = parseClusterArgs(args, env);
  const json = opts.json || global.json;
  const draw = async (): Promise<void> => {
    const view = await fetchClusterView(opts.admin, global);
    out.write(json ? `${toJson(view)}\n` : `${renderClusterTable(view)}\n`);
  };
  if (!opts.watch) {
    await draw();
    return EXIT.OK;
  }
  let stopped = false;
  let wake: () => void = () => undefined;
  const onInterrupt = (): void => {
    stopped = true;
    wake();
  };
  process.once('SIGINT', onInterrupt);
  try {
    for (let n = 0; !stopped && (opts.count === undefined || n < opts.count); n++) {
      if (n > 0) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WATCH_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopped) break;
      if (out.isTTY === true && !json) out.write('\x1b[H\x1b[2J'); // home, clear: redraw in place
      else if (n > 0 && !json) out.write('\n');
      await draw();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  return EXIT.OK;
}

/** The table, with a summary line above it. */
export function renderClusterTable(view: ClusterViewJson): string {
  const now = Date.parse(view.generatedAt);
  const s = view.summary;
  const verdict = s.unreachable > 0 ? `${s.unreachable} unreachable` : s.diverged > 0 ? `${s.diverged} diverged` : 'all in sync';
  const head = `${view.nodeId} sees ${s.nodes} nodes: ${s.up} up, ${verdict} · anti-entropy ${view.antiEntropy.enabled ? `every ${view.antiEntropy.intervalSeconds} s` : 'off'} · ${view.generatedAt}`;
  const rows = view.nodes.map((n) => {
    const state = n.self ? 'this node' : !n.up ? 'UNREACHABLE' : n.sameRoot === true ? 'in sync' : `DIVERGED${n.divergedSeconds !== undefined ? ` ${n.divergedSeconds}s` : ''}`;
    const session = n.lastSession;
    const sync = session === undefined ? '-' : `${ago(now, session.at)} ${session.ok ? `ok ${session.roundTrips ?? '?'} rt ${session.keysRepaired ?? 0} fixed` : 'failed'}`;
    const r = n.replication;
    const replication = r === undefined ? '-' : r === null ? 'no MQTT' : `${r.connected ? 'connected' : 'DISCONNECTED'}${r.queueDepth !== undefined ? ` q=${r.queueDepth}` : ''}`;
    const a = n.activity;
    return [
      n.nodeId ?? '?',
      n.address,
      state,
      n.keys === undefined ? '-' : String(n.keys),
      n.root === undefined ? '-' : n.root.slice(0, 12),
      sync,
      replication,
      a?.opsPerSec === undefined ? '-' : a.opsPerSec.toFixed(1),
      a?.p99LatencyMs === undefined || a.p99LatencyMs === null ? '-' : `${a.p99LatencyMs.toFixed(2)}ms`,
    ];
  });
  const errors = view.nodes.filter((n) => n.error !== undefined).map((n) => `  ${n.nodeId ?? n.address}: ${n.error}`);
  return [head, '', ...table(['NODE', 'ADDRESS', 'STATE', 'KEYS', 'ROOT', 'LAST SYNC', 'REPLICATION', 'OPS/S', 'P99'], rows), ...(errors.length > 0 ? ['', ...errors] : [])].join('\n');
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function ago(now: number, iso: string): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}
