import type { RunningNode } from '../node.js';
import { LineClient, startTestNode, waitFor } from './harness.js';

// Keys with an expiry moved by peer protocol 2 between real nodes over real
// connections: RECORDS (an empty node pulls) and PUTVS (a node pushes to an
// empty one) carry expireAt, so TTLs survive, nothing expired comes back, and
// the roots end equal.
describe('SYNC of keys with an expiry (peer protocol 2)', () => {
  let source: RunningNode;
  let puller: RunningNode;
  let pushedTo: RunningNode;

  beforeAll(async () => {
    [source, puller, pushedTo] = await Promise.all([
      startTestNode({}, 'node-src'),
      startTestNode({ anti_entropy: { enabled: true, interval_seconds: 86_400 } }, 'node-pull'),
      startTestNode({}, 'node-empty'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([source?.stop(), puller?.stop(), pushedTo?.stop()]);
  });

  /** Polls `PTTL key` until the key is gone (-2); the deadline is generous for a loaded machine. */
  async function untilGone(c: LineClient, key: string): Promise<void> {
    await waitFor(`${key} to expire (PTTL -2)`, async () => (await c.call(`PTTL ${key}`)) === '-2', 10_000);
  }

  async function expectSameExpiries(c: LineClient, node: RunningNode): Promise<void> {
    for (let i = 0; i < 30; i++) {
      const ttl = Number(await c.call(`TTL session:${i}`));
      expect(ttl).toBeGreaterThan(3000);
      expect(ttl).toBeLessThanOrEqual(3600);
      expect(Number(await c.call(`PTTL session:${i}`))).toBeGreaterThan(3_000_000);
      // The same absolute expiry as on the source: it is part of the version.
      expect(node.store.expireAtOf(`session:${i}`)).toBe(source.store.expireAtOf(`session:${i}`));
    }
    expect(await c.call('GET session:3')).toBe('token 3');
    expect(await c.call('TTL plain')).toBe('-1');
    expect(await c.call('GET plain')).toBe('kept');
    for (let i = 0; i < 5; i++) {
      expect(await c.call(`GET brief:${i}`)).toBe('(null)');
      expect(await c.call(`TTL brief:${i}`)).toBe('-2');
    }
  }

  it('an empty node pulls SETEX keys with their TTLs (RECORDS), the source pushes them to another (PUTVS); HASH ends equal', async () => {
    const src = await LineClient.open(source.port);
    const pull = await LineClient.open(puller.port);
    const empty = await LineClient.open(pushedTo.port);
    try {
      for (let i = 0; i < 30; i++) expect(await src.call(`SETEX session:${i} 3600 token ${i}`)).toBe('OK');
      expect(await src.call('SET plain kept')).toBe('OK');
      for (let i = 0; i < 5; i++) expect(await src.call(`PSETEX brief:${i} 40 short-lived`)).toBe('OK');
      for (let i = 0; i < 5; i++) await untilGone(src, `brief:${i}`);

      expect(await pull.call(`SYNC 127.0.0.1:${source.port}`)).toMatch(/^OK round_trips=\d+ bytes=\d+ keys_pulled=36 keys_pushed=0 ms=\d+ mode=bulk$/);
      await expectSameExpiries(pull, puller);
      expect(await pull.call('HASH')).toBe(await src.call('HASH'));

      // The other way: the node holding the keys pushes them (PUTVS) to an empty one.
      const pushed = await src.call(`SYNC 127.0.0.1:${pushedTo.port}`);
      expect(pushed).toMatch(/^OK round_trips=\d+ bytes=\d+ keys_pulled=0 keys_pushed=36 ms=\d+ mode=\w+$/);
      await expectSameExpiries(empty, pushedTo);
      expect(await empty.call('HASH')).toBe(await src.call('HASH'));
    } finally {
      src.close();
      pull.close();
      empty.close();
    }
  });
});
