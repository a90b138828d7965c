import { jest } from '@jest/globals';
import { FakeClock, settle } from '@merklekv/test-support';
import { dump, startReplica } from './__tests__/replica.js';
import { encodeBatch } from './event-codec.js';
import { ReplicationErrorCode } from './errors.js';
import type { Logger } from '@merklekv/storage';
import { MemoryBus } from './memory-bus.js';
import { Replicator, type ReplicatorOptions } from './replicator.js';
import { HeldPubSub } from './__tests__/held-pubsub.js';
import { packTs, Store } from '@merklekv/storage';

function recordingLogger(): Logger & { lines: Array<{ level: string; obj: object; msg?: string }> } {
  const lines: Array<{ level: string; obj: object; msg?: string }> = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Batches published on the bus by `from` (rejoin markers without events excluded). */
function batchesFrom(bus: MemoryBus, from: string): number[] {
  return bus.log
    .filter((m) => m.from === from)
    .map((m) => (JSON.parse(m.payload.toString()) as { e: unknown[] }).e.length)
    .filter((n) => n > 0);
}

describe('Replicator (in-memory pub/sub)', () => {
  let bus: MemoryBus;
  let clock: FakeClock;

  beforeEach(() => {
    bus = new MemoryBus();
    clock = new FakeClock(1_000_000);
  });

  /**
   * A replica whose publishes stay unacknowledged until released, with its window of eager
   * batches (one unless given) full after the first write: the pipeline is busy.
   */
  async function busyReplica(opts: Pick<ReplicatorOptions, 'eagerInFlightBatches' | 'eagerIntervalMs' | 'eagerMaxEvents' | 'monotonicNow'> & { batchMaxEvents: number; batchMaxDelayMs: number }) {
    const store = new Store({ nodeId: 'a' });
    const pubsub = new HeldPubSub(bus.connect('a'));
    pubsub.hold = false;
    const replicator = new Replicator({ store, nodeId: 'a', topicPrefix: 'test', pubsub, timers: clock, eagerInFlightBatches: 1, ...opts });
    await replicator.start();
    await settle(); // the rejoin marker
    pubsub.hold = true;
    store.set('first', 'v'); // goes out at once (idle pipeline) and stays unacknowledged
    await settle();
    expect(pubsub.waiting).toBe(1);
    return { store, pubsub, replicator };
  }

  it('publishes a burst of writes made while idle as one message, at once', async () => {
    const a = await startReplica(bus, 'a', clock, { batchMaxEvents: 100, batchMaxDelayMs: 50 });
    await settle();
    for (let i = 0; i < 5; i++) a.store.set(`k${i}`, 'v');
    await settle();
    expect(batchesFrom(bus, 'a')).toEqual([5]);
    a.store.set('lone', 'v');
    await settle();
    expect(batchesFrom(bus, 'a')).toEqual([5, 1]);
  });

  it('while the window is full, publishes a full batch as soon as batchMaxEvents keys are queued', async () => {
    const a = await busyReplica({ batchMaxEvents: 10, batchMaxDelayMs: 5 });
    for (let i = 0; i < 25; i++) a.store.set(`k${i}`, 'v');
    await settle();
    expect(a.pubsub.waiting).toBe(3);
    expect(a.replicator.stats()).toMatchObject({ queueDepth: 5, inFlightBatches: 3 });
    clock.tick(5);
    await settle();
    expect(a.pubsub.waiting).toBe(4);
    a.pubsub.release();
    await settle();
    expect(batchesFrom(bus, 'a')).toEqual([1, 10, 10, 5]);
    expect(a.replicator.stats()).toMatchObject({ published: 26, queueDepth: 0, inFlightBatches: 0 });
  });

  it('while the window is full, publishes a partial batch batchMaxDelayMs after the first change', async () => {
    const a = await busyReplica({ batchMaxEvents: 100, batchMaxDelayMs: 3 });
    a.store.set('x', '1');
    clock.tick(1);
    a.store.set('y', '2');
    a.store.set('x', '3'); // coalesced with the queued x
    clock.tick(1);
    await settle();
    expect(a.pubsub.waiting).toBe(1);
    clock.tick(1);
    await settle();
    expect(a.pubsub.waiting).toBe(2);
    a.pubsub.release();
    await settle();
    expect(batchesFrom(bus, 'a')).toEqual([1, 2]);
  });

  it('while the window is full, publishes what accumulated as soon as a PUBACK comes back (group commit)', async () => {
    const a = await busyReplica({ batchMaxEvents: 100, batchMaxDelayMs: 1000 });
    for (let i = 0; i < 3; i++) a.store.set(`k${i}`, 'v');
    await settle();
    expect(a.pubsub.waiting).toBe(1);
    a.pubsub.release();
    await settle();
    expect(batchesFrom(bus, 'a')).toEqual([1, 3]);
    expect(clock.pending).toBe(0);
  });

  it('while the window has room, does not wait for a PUBACK once eagerIntervalMs has passed since the last batch', async () => {
    const a = await busyReplica({ batchMaxEvents: 100, batchMaxDelayMs: 1000, eagerInFlightBatches: 3, eagerIntervalMs: 1, monotonicNow: () => clock.now() });
    a.store.set('x', '1'); // less than 1 ms after the first batch: waits
    await settle();
    expect(a.pubsub.waiting).toBe(1);
    clock.tick(1);
    a.store.set('y', '1'); // 1 ms later: goes out with x at the end of this turn, without a PUBACK
    await settle();
    expect(a.pubsub.waiting).toBe(2);
    clock.tick(5);
    a.store.set('z', '1'); // the third batch in flight: the window (3) is full now
    await settle();
    expect(a.pubsub.waiting).toBe(3);
    clock.tick(5);
    a.store.set('w', '1');
    a.store.set('z', '2'); // coalesced while waiting
    await settle();
    expect(a.pubsub.waiting).toBe(3);
    expect(a.replicator.stats()).toMatchObject({ queueDepth: 2, inFlightBatches: 3 });
    a.pubsub.release();
    await settle();
    expect(batchesFrom(bus, 'a')).toEqual([1, 2, 1, 2]);
    expect(a.replicator.stats()).toMatchObject({ published: 6, queueDepth: 0, inFlightBatches: 0 });
    expect(a.store.get('z')).toBe('2');
  });

  it('under a heavy load (more than eagerMaxEvents keys queued) waits for the PUBACK, whatever the interval', async () => {
    const a = await busyReplica({ batchMaxEvents: 100, batchMaxDelayMs: 1000, eagerInFlightBatches: 3, eagerIntervalMs: 1, eagerMaxEvents: 4, monotonicNow: () => clock.now() });
    clock.tick(5);
    for (let i = 0; i < 5; i++) a.store.set(`k${i}`, 'v');
    await settle();
    expect(a.pubsub.waiting).toBe(1);
    expect(a.replicator.stats()).toMatchObject({ queueDepth: 5, inFlightBatches: 1 });
    a.pubsub.release();
    await settle();
    expect(batchesFrom(bus, 'a')).toEqual([1, 5]);
  });

  it('requeues every batch of a failed window on a disconnect: nothing is lost, a key keeps its newest version', async () => {
    const b = await startReplica(bus, 'b', clock);
    const inner = bus.connect('a');
    const pubsub = new HeldPubSub(inner);
    const store = new Store({ nodeId: 'a' });
    const replicator = new Replicator({ store, nodeId: 'a', topicPrefix: 'test', pubsub, timers: clock, eagerInFlightBatches: 4, eagerIntervalMs: 0 });
    pubsub.hold = false;
    await replicator.start();
    await settle();
    pubsub.hold = true;
    store.set('k', 'old');
    store.set('only-first', 'v');
    await settle();
    store.set('k', 'new');
    await settle();
    expect(pubsub.waiting).toBe(2); // two batches in flight, both holding k
    inner.setConnected(false);
    pubsub.release(); // both fail, the older batch first
    await settle();
    expect(replicator.stats()).toMatchObject({ queueDepth: 2, inFlightBatches: 0, dropped: 0 });
    inner.setConnected(true);
    await settle();
    expect(b.store.get('k')).toBe('new');
    expect(b.store.get('only-first')).toBe('v');
    expect(b.store.getVersion('k')).toEqual(store.getVersion('k'));
    expect(replicator.stats()).toMatchObject({ queueDepth: 0, inFlightBatches: 0, dropped: 0 });
  });

  it('replicates every kind of local write and converges', async () => {
    const a = await startReplica(bus, 'a', clock);
    const b = await startReplica(bus, 'b', clock);
    a.store.set('s', 'hello');
    a.store.set('gone', 'x');
    a.store.delete('gone');
    a.store.incrBy('n', 5n);
    a.store.incrBy('n', -2n);
    a.store.set('t', 'mid');
    a.store.append('t', '-end');
    a.store.prepend('t', 'start-');
    a.store.mset([
      ['m1', 'one'],
      ['m2', 'two'],
    ]);
    clock.tick(10);
    await settle();
    const keys = ['s', 'gone', 'n', 't', 'm1', 'm2'];
    expect(dump(b.store, keys)).toEqual(dump(a.store, keys));
    expect(b.store.get('t')).toBe('start-mid-end');
    expect(b.store.get('n')).toBe('3');
    expect(b.store.getVersion('gone')?.deleted).toBe(true);

    b.store.flush();
    clock.tick(10);
    await settle();
    expect(a.store.size).toBe(0);
    expect(dump(a.store, keys)).toEqual(dump(b.store, keys));
    expect(a.store.tree.rootHex()).toBe(b.store.tree.rootHex());
  });

  it('ignores its own events echoed by the broker', async () => {
    const a = await startReplica(bus, 'a', clock);
    const merge = jest.spyOn(a.store, 'merge');
    a.store.set('k', 'v');
    clock.tick(10);
    await settle();
    expect(merge).not.toHaveBeenCalled();
    expect(a.replicator.stats()).toMatchObject({ ownIgnored: 2, received: 0, applied: 0 }); // the rejoin marker and the batch
  });

  it('counts remote events that lose the LWW merge as stale', async () => {
    const a = await startReplica(bus, 'a', clock);
    const b = await startReplica(bus, 'b', clock);
    const sender = bus.connect('sender');
    const newer = a.store.set('k', 'new');
    clock.tick(10);
    await settle();
    await sender.publish('test/updates', encodeBatch('c', [{ key: 'k', record: { value: 'old', ts: newer.ts - 1, node: 'c', deleted: false } }]));
    await settle();
    expect(b.store.get('k')).toBe('new');
    expect(b.replicator.stats()).toMatchObject({ received: 2, applied: 1, stale: 1 });
  });

  it('reports the lag of the last batch received: its newest event\'s age on arrival', async () => {
    const a = await startReplica(bus, 'a', clock);
    expect(a.replicator.stats().lagMs).toBe(0);
    const sender = bus.connect('sender');
    const written = clock.now() - 250;
    const events = [
      { key: 'older', record: { value: 'v', ts: packTs(written - 1000), node: 'c', deleted: false } },
      { key: 'newest', record: { value: 'v', ts: packTs(written, 3), node: 'c', deleted: false } },
    ];
    await sender.publish('test/updates', encodeBatch('c', events));
    await settle();
    expect(a.replicator.stats()).toMatchObject({ received: 2, lagMs: 250 });
    // A timestamp ahead of the local clock (skew) is no negative lag.
    await sender.publish('test/updates', encodeBatch('c', [{ key: 'ahead', record: { value: 'v', ts: packTs(clock.now() + 40), node: 'c', deleted: false } }]));
    await settle();
    expect(a.replicator.stats()).toMatchObject({ lagMs: 0 });
    // The skew itself is measured once, where the store merges (Store.clockSkewMaxMs, apps/node's clock-skew test).
  });

  it('rejects malformed and foreign payloads: counted, logged (throttled), never applied', async () => {
    const logger = recordingLogger();
    const a = await startReplica(bus, 'a', clock, { logger });
    const sender = bus.connect('intruder');
    const payloads = ['not json', '{"temperature":21.5}', '{"v":7,"n":"x","e":[]}', '{"v":1,"n":"x","e":[["k",1,1,"zombie"]]}', '{"v":1,"e":[["k",1,0,"v"]]}'];
    for (const p of payloads) await sender.publish('test/updates', Buffer.from(p));
    await settle();
    expect(a.replicator.stats()).toMatchObject({ rejected: payloads.length, received: 0, applied: 0 });
    expect(a.store.recordCount).toBe(0);
    const warnings = logger.lines.filter((l) => l.msg === 'replication payload rejected');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.obj).toMatchObject({ code: ReplicationErrorCode.INVALID_PAYLOAD });
    clock.tick(1000);
    await sender.publish('test/updates', Buffer.from('{}'));
    await settle();
    expect(logger.lines.filter((l) => l.msg === 'replication payload rejected').at(-1)?.obj).toMatchObject({ suppressed: payloads.length - 1 });
  });

  it('queues writes while disconnected, publishes them on reconnect and fires onReconnect', async () => {
    const a = await startReplica(bus, 'a', clock);
    const b = await startReplica(bus, 'b', clock);
    const reconnects = jest.fn();
    a.replicator.onReconnect(reconnects);
    a.pubsub.setConnected(false);
    for (let i = 0; i < 50; i++) a.store.set(`k${i}`, `v${i}`);
    a.store.delete('k0');
    clock.tick(100);
    await settle();
    expect(b.store.recordCount).toBe(0);
    expect(a.replicator.stats()).toMatchObject({ connected: false, queueDepth: 50, dropped: 0 });
    a.pubsub.setConnected(true);
    expect(reconnects).toHaveBeenCalledTimes(1);
    await settle();
    expect(b.store.recordCount).toBe(50);
    expect(b.store.size).toBe(49);
    expect(a.replicator.stats()).toMatchObject({ connected: true, queueDepth: 0, reconnects: 1 });
  });

  it('bounds the queue while disconnected: overflow is dropped and counted, writes never fail', async () => {
    const a = await startReplica(bus, 'a', clock, { queueLimit: 5 });
    const b = await startReplica(bus, 'b', clock);
    a.pubsub.setConnected(false);
    for (let i = 0; i < 8; i++) expect(() => a.store.set(`k${i}`, 'v')).not.toThrow();
    a.store.set('k1', 'updated'); // a queued key is updated in place, not dropped
    expect(a.replicator.stats()).toMatchObject({ queueDepth: 5, dropped: 3 });
    a.pubsub.setConnected(true);
    await settle();
    expect(b.store.size).toBe(5);
    expect(b.store.get('k1')).toBe('updated');
    expect(b.store.get('k7')).toBeUndefined();
  });

  it('republishes recent events when a peer rejoins, so a peer that was away catches up', async () => {
    const a = await startReplica(bus, 'a', clock, { rejoinReplayDelayMs: 20 });
    const b = await startReplica(bus, 'b', clock);
    b.pubsub.setConnected(false);
    a.store.set('missed', 'by-b');
    clock.tick(10);
    await settle();
    expect(b.store.get('missed')).toBeUndefined();
    b.pubsub.setConnected(true); // b's first batch carries the rejoin flag
    await settle();
    clock.tick(20);
    await settle();
    expect(b.store.get('missed')).toBe('by-b');
    expect(a.replicator.stats().replayed).toBe(1);
  });

  it('caps batches awaiting an acknowledgement', async () => {
    const a = await startReplica(bus, 'a', clock, { batchMaxEvents: 1, maxInFlightBatches: 2 });
    await settle();
    const publish = jest.spyOn(a.pubsub, 'publish');
    for (let i = 0; i < 5; i++) a.store.set(`k${i}`, 'v');
    expect(publish).toHaveBeenCalledTimes(2);
    expect(a.replicator.stats().inFlightBatches).toBe(2);
    await settle();
    expect(publish).toHaveBeenCalledTimes(5);
    expect(a.replicator.stats()).toMatchObject({ published: 5, inFlightBatches: 0 });
  });

  it('stop() publishes what is queued and stops taking changes', async () => {
    const a = await startReplica(bus, 'a', clock, { batchMaxDelayMs: 1000 });
    const b = await startReplica(bus, 'b', clock);
    a.store.set('last', 'words');
    await a.replicator.stop();
    await settle();
    expect(b.store.get('last')).toBe('words');
    a.store.set('after', 'stop');
    clock.tick(2000);
    await settle();
    expect(b.store.get('after')).toBeUndefined();
  });

  it('rejects nonsensical options with a typed error', () => {
    const pubsub = bus.connect('x');
    const store = { subscribe: () => () => undefined, merge: () => 'stale' as const };
    expect(() => new Replicator({ store, pubsub, nodeId: 'x', topicPrefix: 't', batchMaxEvents: 0 })).toThrow(
      expect.objectContaining({ code: ReplicationErrorCode.INVALID_OPTION }),
    );
    expect(() => new Replicator({ store, pubsub, nodeId: '', topicPrefix: 't' })).toThrow(expect.objectContaining({ code: ReplicationErrorCode.INVALID_OPTION }));
    for (const bad of [{ eagerIntervalMs: -1 }, { eagerIntervalMs: Number.NaN }, { eagerInFlightBatches: 0 }, { eagerMaxEvents: 0.5 }]) {
      expect(() => new Replicator({ store, pubsub, nodeId: 'x', topicPrefix: 't', ...bad })).toThrow(expect.objectContaining({ code: ReplicationErrorCode.INVALID_OPTION }));
    }
  });
});
