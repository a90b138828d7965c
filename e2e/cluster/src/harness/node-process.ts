import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type MerkleKVClient, type TreeRoot } from '@merklekv/client';
import { E2eError } from './errors.js';
import { ManagedProcess } from './managed-process.js';
import { renderNodeToml, type NodeConfigSpec } from './node-config.js';
import { REPO_ROOT, NODE_MAIN } from './paths.js';
import { withTimeout } from './wait.js';

/** How long a node may take to print `listening`. */
const START_TIMEOUT_MS = 20_000;

/**
 * One MerkleKV node as a real child process (`node apps/node/dist/main.js
 * --config FILE`), with its own TOML file and log file, restartable with the
 * same configuration (same ports), and an admin client for HASH/INFO/STATS.
 */
export class NodeProcess {
  readonly configFile: string;
  readonly logFile: string;
  private readonly process: ManagedProcess;
  private admin: MerkleKVClient | undefined;
  /** Times started (1 after the first start). */
  starts = 0;
  /**
   * The records the node's storage held when this start loaded it, from its own
   * `storage loaded` log line (logged before it listens, so before any peer can
   * refill it); undefined until that line of the current start was seen.
   */
  loadedRecords: number | undefined;

  constructor(
    readonly spec: NodeConfigSpec,
    dir: string,
  ) {
    this.configFile = join(dir, `${spec.nodeId}.toml`);
    this.logFile = join(dir, `${spec.nodeId}.log`);
    writeFileSync(this.configFile, renderNodeToml(spec));
    this.process = new ManagedProcess({ command: process.execPath, args: [NODE_MAIN, '--config', this.configFile], cwd: REPO_ROOT, logFile: this.logFile });
  }

  get id(): string {
    return this.spec.nodeId;
  }

  get port(): number {
    return this.spec.port;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.running;
  }

  /**
   * Starts the process and resolves once it logs `"msg":"listening"` (with
   * {@link loadedRecords} set from its `storage loaded` line).
   * @throws E2eError START_FAILED / TIMEOUT
   */
  async start(): Promise<void> {
    let unsubscribe: () => void = () => undefined;
    this.loadedRecords = undefined;
    const ready = new Promise<void>((resolve) => {
      unsubscribe = this.process.onLine((line) => {
        if (line.includes('"msg":"storage loaded"')) this.loadedRecords = loadedRecordsOf(line);
        if (line.includes('"msg":"listening"')) resolve();
      });
    });
    this.process.spawn();
    this.starts++;
    const died = this.process.waitExit().then((code) => {
      throw new E2eError('START_FAILED', `${this.id} exited with code ${String(code)} before listening; see ${this.logFile}`);
    });
    try {
      await withTimeout(`${this.id} start (log: ${this.logFile})`, Promise.race([ready, died]), START_TIMEOUT_MS);
    } finally {
      unsubscribe();
      died.catch(() => undefined);
    }
  }

  /** kill -9: no goodbye, no flush (the memory engine loses everything). */
  async kill9(): Promise<void> {
    await this.process.kill9();
  }

  /** Graceful stop (SIGTERM; SIGKILL after 8 s). */
  async stop(): Promise<void> {
    await this.process.stop();
  }

  /** Writes a marker line into the node's log (kills, cuts, phases of the scenario). */
  note(text: string): void {
    this.process.note(text);
  }

  /** A long-lived client for inspection commands; reconnects by itself after restarts. */
  client(): MerkleKVClient {
    this.admin ??= createClient({ port: this.port, timeoutMs: 3000, retry: (attempt) => (attempt >= 3 ? null : 100 * attempt) });
    return this.admin;
  }

  /** HASH: root, record count (tombstones included), shape. */
  hash(): Promise<TreeRoot> {
    return this.client().hash();
  }

  /** STATS as a name → value map. */
  stats(): Promise<Record<string, string>> {
    return this.client().stats();
  }

  /** Closes the admin client and the log. */
  async dispose(): Promise<void> {
    this.admin?.destroy();
    this.admin = undefined;
    await this.process.kill9();
    await this.process.closeLog();
  }
}

/** The `records` field of a `storage loaded` log line (JSON), or undefined if it has none. */
function loadedRecordsOf(line: string): number | undefined {
  try {
    const records = (JSON.parse(line) as { records?: unknown }).records;
    return typeof records === 'number' ? records : undefined;
  } catch {
    return undefined;
  }
}

/** Reads one STATS counter as a number (0 when absent). */
export function statNumber(stats: Record<string, string>, name: string): number {
  const raw = stats[name];
  const n = raw === undefined ? 0 : Number(raw);
  return Number.isFinite(n) ? n : 0;
}

/** A bounded HASH that never throws: `undefined` when the node does not answer. */
export async function tryHash(node: NodeProcess): Promise<TreeRoot | undefined> {
  try {
    return await withTimeout(`HASH on ${node.id}`, node.hash(), 3000);
  } catch {
    return undefined;
  }
}
