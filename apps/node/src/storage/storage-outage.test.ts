/**
 * A real redis-server killed under write load for longer than ioredis's retry budget
 * (maxRetriesPerRequest = 3: about 0.3 s of reconnects), then restarted on the same port and
 * append-only file. What must hold (issue #12):
 * - while Redis is down the failure is visible: an error log line, `write_failures` in INFO and
 *   `merklekv_storage_write_failures_total`, `/ready` 503;
 * - `sync = "always"`: a write is answered OK only once Redis has it, otherwise
 *   `ERROR: Storage unavailable (...)`; afterwards every acknowledged write is in Redis;
 * - `sync = "batch"`: writes keep being acknowledged into the bounded queue, refused with the same
 *   error once `write_queue_limit` keys wait; once Redis is back nothing acknowledged is lost;
 * - in both, writes succeed again without a restart and `/ready` returns to 200.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { decodeRecordText } from '@merklekv/storage';
import { freePort, LineClient, startTestNode } from '../__tests__/harness.js';
import type { RunningNode } from '../node.js';
import { startRedisServer } from './__tests__/redis-server.js';

const root = mkdtempSync(join(tmpdir(), 'merklekv-outage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const UNAVAILABLE = 'ERROR: Storage unavailable (';
/** Longer than ioredis's retry budget for one command (3 reconnects: 50 + 100 + 150 ms). */
const OUTAGE_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Clients writing unique keys, one request at a time each, recording every reply. */
class Writers {
  readonly acked = new Map<string, string>();
  readonly refused: string[] = [];
  readonly other: string[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  private constructor(clients: LineClient[]) {
    this.loops = clients.map((c, n) => this.loop(c, n));
  }

  static async start(port: number, clients: number): Promise<Writers> {
    return new Writers(await Promise.all(Array.from({ length: clients }, () => LineClient.open(port))));
  }

  private async loop(client: LineClient, n: number): Promise<void> {
    try {
      for (let i = 0; this.running; i++) {
        const key = `w${n}:${i}`;
        const value = `value-${n}-${i}`;
        client.send(`SET ${key} ${value}\r\n`);
        const reply = await client.line(30_000);
        if (reply === 'OK') this.acked.set(key, value);
        else if (reply.startsWith(UNAVAILABLE)) {
          this.refused.push(reply);
          await sleep(5);
        } else this.other.push(reply);
      }
    } finally {
      client.close();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

async function http(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

async function info(port: number): Promise<Record<string, string>> {
  const c = await LineClient.open(port);
  try {
    c.send('INFO\r\n');
    const lines = await c.untilEnd();
    return Object.fromEntries(lines.filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
  } finally {
    c.close();
  }
}

async function inRedis(url: string, nodeId: string): Promise<Map<string, string>> {
  const r = new Redis(url);
  try {
    const all = await r.hgetall(`merklekv:${nodeId}:records`);
    return new Map(Object.entries(all).map(([k, text]) => [k, decodeRecordText(k, text).value]));
  } finally {
    r.disconnect();
  }
}

async function outage(sync: 'always' | 'batch', queueLimit: number) {
  const redis = await startRedisServer({ dataDir: mkdtempSync(join(root, `${sync}-`)) });
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const adminPort = await freePort();
  const nodeId = `outage-${sync}`;
  let node: RunningNode | undefined;
  let writers: Writers | undefined;
  try {
    node = await startTestNode(
      { storage: { engine: 'redis', redis_url: redis.url, sync, write_queue_limit: queueLimit }, admin: { port: adminPort } },
      nodeId,
      logger,
    );
    const port = node.port;
    expect((await http(adminPort, '/ready')).status).toBe(200);
    writers = await Writers.start(port, 4);
    const w = writers;
    await until('writes before the outage', () => w.acked.size >= 200);

    await redis.kill();
    const killedAt = Date.now();
    const ackedAtKill = w.acked.size;
    await until('/ready 503 while Redis is down', async () => (await http(adminPort, '/ready')).status === 503);
    if (sync === 'always') await until('a write refused with Storage unavailable', () => w.refused.length > 0);
    else await until('writes refused once the queue is full', () => w.refused.length > 0);
    const down = await info(port);
    expect(down['writes_failing']).toBe('true');
    expect(Number(down['write_failures'])).toBeGreaterThanOrEqual(1);
    expect(down['last_write_error']).toMatch(/^Storage unavailable \(redis: /);
    expect((await http(adminPort, '/metrics')).body).toMatch(/^merklekv_storage_write_failures_total [1-9]\d*$/m);
    expect(lines.some((l) => l.includes('"level":50') && l.includes('storage write failed'))).toBe(true);
    if (sync === 'batch') {
      // Acknowledged into the queue while Redis was down, until the bound; never dropped.
      expect(w.acked.size).toBeGreaterThan(ackedAtKill);
      expect(w.refused.some((r) => r.includes(`the limit is ${queueLimit}`))).toBe(true);
    }
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - killedAt)));
    const ackedBeforeRestart = w.acked.size;

    await redis.restart();
    await until('/ready 200 once Redis is back', async () => (await http(adminPort, '/ready')).status === 200);
    await until('writes acknowledged again without a restart', () => w.acked.size >= ackedBeforeRestart + 100);
    await w.stop();
    writers = undefined;
    await node.store.durable();
    const up = await info(port);
    expect(up['writes_failing']).toBe('false');
    expect(up['write_queue']).toBe('0');
    expect(lines.some((l) => l.includes('storage writes recovered'))).toBe(true);

    const stored = await inRedis(redis.url, nodeId);
    const lost = [...w.acked].filter(([k, v]) => stored.get(k) !== v).map(([k]) => k);
    process.stdout.write(
      `[outage ${sync}] acked=${w.acked.size} refused=${w.refused.length} acked_at_kill=${ackedAtKill} ` +
        `acked_before_restart=${ackedBeforeRestart} failures=${up['write_failures']} lost_acked=${lost.length}\n`,
    );
    expect(w.other).toEqual([]);
    expect(lost).toEqual([]);
    expect(await node.stop()).toEqual({ clean: true });
    node = undefined;
  } finally {
    await writers?.stop();
    await node?.stop();
    await redis.stop();
  }
}

describe('a Redis outage under write load (real redis-server, killed and restarted)', () => {
  it('sync = "always": never OK without Redis; every acknowledged write is in Redis afterwards', () => outage('always', 1_000_000), 120_000);

  it('sync = "batch": writes wait in the bounded queue (refused past it); nothing acknowledged is lost once Redis is back', () => outage('batch', 500), 120_000);
});
