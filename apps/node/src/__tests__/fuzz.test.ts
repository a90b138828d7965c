import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { chunkPlanArb, cutChunks, requestStreamArb } from './fuzz-arbitraries.js';
import { LineClient } from './harness.js';
import { startMeasuredNode, type MeasuredNode } from './node-process.js';
import { expectedReplies, readInSync, withoutCommands } from './reply-framing.js';

/** A small line limit, so over-long lines are common. */
const MAX_LINE = 1024;
/** Commands a fuzzer must not run: they stop the node, write to disk, dial out or change the session. */
const BANNED = new Set(['SHUTDOWN', 'BACKUP', 'SYNC', 'AUTH']);
const RUNS = 4000;
/** Stop early (and pass) if the machine is this slow; at least MIN_RUNS must have run by then. */
const TIME_LIMIT_MS = 30_000;
const MIN_RUNS = 300;
/** Runs before the memory baseline is taken (JIT, socket buffers and the store settle). */
const WARMUP_RUNS = 200;
/**
 * Allowed RSS growth of the node from the warm baseline to the end. The fuzzer
 * stores at most ~30 values of < 1.1 KB per run, mostly under a pool of 11
 * keys, so its data is a few MB; anything near this bound is a leak.
 */
const RSS_GROWTH_BOUND = 96 * 1024 * 1024;

const MiB = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const nextTick = () => new Promise<void>((r) => setImmediate(r));

describe('fuzzing a running node over TCP', () => {
  let node: MeasuredNode;

  beforeAll(async () => {
    node = await startMeasuredNode({ maxLineBytes: MAX_LINE, connectionTimeout: 0 }, 'fuzz');
  }, 40_000);

  afterAll(async () => {
    await node?.stop();
  });

  it('gives every request line of random streams exactly one reply, in order, with no crash and bounded memory', async () => {
    let client = await LineClient.open(node.port);
    client.socket.setNoDelay(true);
    const reconnect = async () => {
      client.close();
      client = await LineClient.open(node.port);
      client.socket.setNoDelay(true);
    };
    let runs = 0;
    let requests = 0;
    let bytes = 0;
    let warmRss = node.rssBytes();
    const startRss = warmRss;

    await fc.assert(
      fc.asyncProperty(requestStreamArb(MAX_LINE), chunkPlanArb, fc.integer({ min: 0, max: 9 }), async (raw, plan, connectionDice) => {
        runs++;
        if (runs === WARMUP_RUNS) warmRss = node.rssBytes();
        // Now and then a fresh connection, so accept and close are fuzzed too.
        if (connectionDice === 0 || client.closed) await reconnect();
        const stream = withoutCommands(raw, MAX_LINE, BANNED);
        const expected = expectedReplies(stream, MAX_LINE);
        const marker = `sync-${runs}-${randomBytes(6).toString('hex')}`;
        const payload = Buffer.concat([stream, Buffer.from(`PING ${marker}\r\n`)]);
        requests += expected.length + 1;
        bytes += payload.length;

        const reading = readInSync(client, expected, marker, MAX_LINE);
        reading.catch(() => undefined);
        const chunks = cutChunks(payload, plan);
        for (let i = 0; i < chunks.length; i++) {
          client.socket.write(chunks[i] as Buffer);
          if (plan.pauses[i] === true) await nextTick();
        }
        try {
          await reading;
        } catch (err) {
          // Out of sync: later runs (and shrinking) start on a clean connection.
          await reconnect();
          throw err;
        }
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS },
    );
    client.close();

    const endRss = node.rssBytes();
    console.log(
      `fuzz: ${runs} streams, ${requests} requests, ${MiB(bytes)} MiB sent; node RSS start ${MiB(startRss)} MiB, ` +
        `after ${WARMUP_RUNS} runs ${MiB(warmRss)} MiB, end ${MiB(endRss)} MiB`,
    );
    expect(runs).toBeGreaterThanOrEqual(MIN_RUNS);
    expect(node.alive()).toBe(true);
    expect(endRss - warmRss).toBeLessThan(RSS_GROWTH_BOUND);
    // Still serving, and nothing was logged as a crash.
    const probe = await LineClient.open(node.port);
    expect(await probe.call('PING')).toBe('PONG');
    probe.close();
    expect(node.process.output()).not.toMatch(/RangeError|TypeError|uncaught|unhandled/i);
  }, 90_000);
});
