import { dribble, floodConnections, pipelineWithoutReading } from './abusers.js';
import { LineClient } from './harness.js';
import { latencyTable, measureLatency, type LatencyRow } from './latency.js';
import { sampleRss, startMeasuredNode, type MeasuredNode } from './node-process.js';

const MAX_CONNECTIONS = 32;
/** Round trips the well-behaved client times under each abuse. */
const REQUESTS = 500;
const VALUE = 'v'.repeat(1024);
const MiB = 1024 * 1024;
/** The node's RSS may grow at most this much while a client pipelines without reading. */
const PIPELINE_RSS_BOUND = 200 * MiB;
const PIPELINE_VOLUME = 200 * MiB;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const mib = (bytes: number) => (bytes / MiB).toFixed(1);

// Misbehaving clients must not stall the others. Each abuse runs against a
// node in its own process (so its RSS is the node's alone) while a normal
// client times 500 round trips; only behaviour is asserted, never speed.
describe('hostile clients do not stall a well-behaved one', () => {
  let node: MeasuredNode;
  let normal: LineClient;
  const rows: LatencyRow[] = [];

  beforeAll(async () => {
    node = await startMeasuredNode({ maxConnections: MAX_CONNECTIONS, connectionTimeout: 5 }, 'hostile');
    normal = await LineClient.open(node.port);
    normal.socket.setNoDelay(true);
    expect(await normal.call(`SET big ${VALUE}`)).toBe('OK');
  }, 40_000);

  afterEach(() => {
    expect(node.alive()).toBe(true);
  });

  afterAll(async () => {
    normal?.close();
    await node?.stop();
    if (rows.length > 0) console.log(`Latency of a normal client (PING / GET of a 1 KiB value, one at a time) on one node:\n\n${latencyTable(rows)}\n`);
  });

  it('serves a normal client with no abuse (baseline)', async () => {
    rows.push({ scenario: 'none (baseline)', stats: await measureLatency(normal, REQUESTS, 'big', VALUE), notes: '' });
  }, 30_000);

  it('keeps serving while slow clients send one byte per second, and answers them once their line is complete', async () => {
    const slow = await Promise.all(Array.from({ length: 8 }, () => LineClient.open(node.port)));
    const lines = slow.map((_, i) => `SET slow-${i} from-a-slow-client\r\n`);
    const dribblers = slow.map((c, i) => dribble(c, lines[i] as string, 1000));
    const started = Date.now();
    const stats = await measureLatency(normal, REQUESTS, 'big', VALUE);
    // Keep dribbling for a few seconds in all; connection_timeout (5 s) must not fire, as each byte is activity.
    await sleep(Math.max(0, 3500 - (Date.now() - started)));
    const sent = await Promise.all(dribblers.map((d) => d.stop()));
    for (const [i, c] of slow.entries()) {
      expect(c.closed).toBe(false);
      c.send((lines[i] as string).slice(sent[i]));
      expect(await c.line()).toBe('OK');
      c.close();
    }
    expect(await normal.call('GET slow-3')).toBe('from-a-slow-client');
    rows.push({ scenario: '8 clients sending 1 byte/s', stats, notes: `each sent ${Math.min(...sent)}-${Math.max(...sent)} bytes over ${((Date.now() - started) / 1000).toFixed(1)} s, then its line was answered` });
  }, 30_000);

  it('refuses connections past max_connections with an ERROR line and a close, and keeps serving the admitted ones', async () => {
    // Fill the node: the normal client plus these hold every slot.
    const held: LineClient[] = [];
    for (let i = 1; i < MAX_CONNECTIONS; i++) held.push(await LineClient.open(node.port));
    for (const h of held) expect(await h.call('PING')).toBe('PONG');
    const refusal = `ERROR: Too many connections (limit ${MAX_CONNECTIONS})`;
    const flooding = floodConnections(node.port, 400, 16, refusal);
    const stats = await measureLatency(normal, REQUESTS, 'big', VALUE);
    const flood = await flooding;
    expect(flood.unexpected).toEqual([]);
    expect(flood.refused).toBe(400);
    for (const h of held) expect(await h.call('PING')).toBe('PONG');
    for (const h of held) h.close();
    // Slots free up once the held clients leave.
    const deadline = Date.now() + 5000;
    let admitted: string | undefined;
    while (admitted !== 'PONG' && Date.now() < deadline) {
      const c = await LineClient.open(node.port);
      admitted = await c.call('PING').catch(() => undefined);
      c.close();
      if (admitted !== 'PONG') await sleep(50);
    }
    expect(admitted).toBe('PONG');
    rows.push({ scenario: `400 connections past max_connections (${MAX_CONNECTIONS}), 16 at a time`, stats, notes: `all ${flood.refused} refused with the ERROR line, then closed` });
  }, 60_000);

  it('pauses a client that pipelines GETs and never reads: bounded node memory, others still served', async () => {
    const before = node.rssBytes();
    const rss = sampleRss(node);
    const abusing = pipelineWithoutReading(node.port, 'GET big\r\n', PIPELINE_VOLUME, 3000);
    await sleep(300);
    const stats = await measureLatency(normal, REQUESTS, 'big', VALUE);
    const abuse = await abusing;
    const peak = rss.stop();
    // The node stopped reading the abuser long before 200 MiB of requests (~200 GiB of replies).
    expect(abuse.stalled).toBe(true);
    expect(abuse.sentBytes).toBeLessThan(PIPELINE_VOLUME);
    expect(peak - before).toBeLessThan(PIPELINE_RSS_BOUND);
    // Still served while the abuser is parked, and after it leaves.
    expect(await normal.call('GET big')).toBe(VALUE);
    abuse.socket.destroy();
    expect(await normal.call('PING')).toBe('PONG');
    rows.push({
      scenario: 'a client pipelining `GET big` (1 KiB value) without reading',
      stats,
      notes: `it could write ${mib(abuse.sentBytes)} MiB of its 200 MiB before the node paused it; node RSS ${mib(before)} → peak ${mib(peak)} MiB`,
    });
  }, 60_000);
});

// Regression: a few KB of pipelined `GET k` of a large value once built one reply
// string past V8's limit and crashed the node. Replies are now written in
// batches and the remaining requests wait while the client is behind.
describe('a small burst of GETs of a large value', () => {
  let node: MeasuredNode;

  beforeAll(async () => {
    node = await startMeasuredNode({}, 'amplified');
  }, 40_000);

  afterAll(async () => {
    await node?.stop();
  });

  it('does not crash the node or buffer the whole burst (600 × GET of a 1 MB value in one 4 KB write)', async () => {
    const writer = await LineClient.open(node.port);
    expect(await writer.call(`SET big ${'x'.repeat(1_000_000)}`)).toBe('OK');
    writer.close();
    const before = node.rssBytes();
    const rss = sampleRss(node, 20);
    const burst = await pipelineWithoutReading(node.port, 'GET big\r\n', 600 * 'GET big\r\n'.length, 2000);
    // Another client is answered once the node has worked through the burst (or sees it die).
    const probe = await LineClient.open(node.port);
    probe.send('PING\r\n');
    const answer = await probe.line(20_000).catch(async (err: Error) => {
      const exit = await Promise.race([node.process.exited.then((code) => `node exited with code ${code}`), sleep(3000).then(() => 'node still running')]);
      return `no answer (${err.message}); ${exit}: ${node.process.output().split('\n').find((l) => /Error/.test(l)) ?? ''}`;
    });
    probe.close();
    const peak = rss.stop();
    burst.socket.destroy();
    expect(answer).toBe('PONG');
    expect(node.alive()).toBe(true);
    expect(peak - before).toBeLessThan(PIPELINE_RSS_BOUND);
  }, 40_000);
});

// Regression: a client that never reads once kept its slot and its unsent
// replies forever; an idle connection with unsent replies is now cut.
describe('a paused client that never reads', () => {
  let node: MeasuredNode;

  beforeAll(async () => {
    node = await startMeasuredNode({ connectionTimeout: 1 }, 'parked');
  }, 40_000);

  afterAll(async () => {
    await node?.stop();
  });

  const connectedClients = async (probe: LineClient): Promise<number> => {
    probe.send('STATS\r\n');
    const line = (await probe.untilEnd()).find((l) => l.startsWith('connections_connected_clients:')) ?? '';
    return Number(line.split(':')[1]);
  };

  it('is disconnected by connection_timeout like any idle client', async () => {
    const writer = await LineClient.open(node.port);
    expect(await writer.call(`SET big ${VALUE}`)).toBe('OK');
    writer.close();
    const parked = await pipelineWithoutReading(node.port, 'GET big\r\n', PIPELINE_VOLUME, 1000);
    expect(parked.stalled).toBe(true);
    // connection_timeout is 1 s; give it four.
    await sleep(4000);
    const probe = await LineClient.open(node.port);
    const connected = await connectedClients(probe);
    probe.close();
    parked.socket.destroy();
    expect(connected).toBe(1);
  }, 40_000);
});
