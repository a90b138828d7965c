import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Store } from '@merklekv/storage';
import { AntiEntropy } from './anti-entropy.js';
import type { AntiEntropyOptions } from './anti-entropy.js';
import { AntiEntropyError } from './errors.js';
import type { Peer } from './peer.js';
import { storePeer } from './store-peer.js';
import { jitteredDelay } from './timers.js';
import { FakeTimers, settle } from './__tests__/fake-timers.js';
import { BASE_TS, makeStore, version, thrownCode } from './__tests__/fixtures.js';

/** Peers over in-process stores whose first query waits until released, to hold sessions open. */
class Cluster {
  readonly stores = new Map<string, Store>();
  readonly opened: string[] = [];
  readonly closed: string[] = [];
  private readonly gates: Array<{ address: string; release: () => void }> = [];
  running = 0;
  maxRunning = 0;
  readonly runningByPeer = new Map<string, number>();
  maxRunningPerPeer = 0;
  hold = true;

  store(address: string): Store {
    let store = this.stores.get(address);
    if (store === undefined) {
      store = makeStore(address);
      this.stores.set(address, store);
    }
    return store;
  }

  readonly connect = (address: string): Peer => {
    this.opened.push(address);
    const inner = storePeer(this.store(address));
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const perPeer = (this.runningByPeer.get(address) ?? 0) + 1;
    this.runningByPeer.set(address, perPeer);
    this.maxRunningPerPeer = Math.max(this.maxRunningPerPeer, perPeer);
    return {
      ...inner,
      root: async () => {
        if (this.hold) await new Promise<void>((release) => this.gates.push({ address, release }));
        return inner.root();
      },
      close: async () => {
        this.running -= 1;
        this.runningByPeer.set(address, (this.runningByPeer.get(address) ?? 1) - 1);
        this.closed.push(address);
      },
    };
  };

  /** Lets the oldest held session proceed. */
  async releaseOne(): Promise<string | undefined> {
    const gate = this.gates.shift();
    gate?.release();
    await settle();
    return gate?.address;
  }

  async releaseAll(): Promise<void> {
    this.hold = false;
    for (let i = 0; i < 100 && this.gates.length > 0; i++) await this.releaseOne();
  }

  get held(): number {
    return this.gates.length;
  }
}

function setup(peers: string[], overrides: Partial<AntiEntropyOptions> = {}) {
  const cluster = new Cluster();
  const timers = new FakeTimers();
  const local = makeStore('local');
  const ae = new AntiEntropy({
    store: local,
    peers: () => peers,
    intervalMs: 10_000,
    maxConcurrent: 2,
    connect: cluster.connect,
    timers,
    random: () => 0.5,
    clock: () => 42,
    ...overrides,
  });
  return { cluster, timers, local, ae };
}

describe('jitteredDelay', () => {
  it('stays within ±jitter of the interval', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 3_600_000 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (base, fraction, r) => {
          const delay = jitteredDelay(base, fraction, () => r);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - fraction)));
          expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + fraction)));
        },
      ),
    );
  });
});

describe('AntiEntropy', () => {
  it('schedules rounds at the interval ±20%, with a fresh jitter each time', async () => {
    const randoms = [0, 0.999999, 0.5, 0.25];
    const { ae, timers, cluster } = setup(['127.0.0.1:7001'], {
      random: () => randoms.shift() ?? 0.5,
    });
    cluster.hold = false;
    ae.start();
    expect(timers.delays).toEqual([8000]);
    await timers.advance(7999);
    expect(cluster.opened).toEqual([]);
    await timers.advance(1);
    expect(cluster.opened).toEqual(['127.0.0.1:7001']);
    expect(timers.delays).toEqual([8000, 12000]);
    await timers.advance(12_000);
    expect(cluster.opened).toHaveLength(2);
    expect(timers.delays).toEqual([8000, 12000, 10000]);
    await ae.stop();
    expect(timers.pending).toBe(0);
  });

  it('runs at most maxConcurrent sessions at once and every peer in the end', async () => {
    const peers = ['10.0.0.1:1', '10.0.0.2:1', '10.0.0.3:1', '10.0.0.4:1', '10.0.0.5:1'];
    const { ae, cluster } = setup(peers);
    ae.triggerAll();
    await settle();
    expect(cluster.opened).toEqual(peers.slice(0, 2));
    expect(ae.stats()).toMatchObject({ running: 2, queued: 3 });

    await cluster.releaseOne();
    expect(cluster.opened).toEqual(peers.slice(0, 3));
    await cluster.releaseAll();

    expect(cluster.opened.sort()).toEqual([...peers].sort());
    expect(cluster.maxRunning).toBe(2);
    expect(ae.stats()).toMatchObject({ sessions: 5, failures: 0, running: 0, queued: 0 });
    await ae.stop();
  });

  it('triggerAll starts sessions right away and queues a peer only once', async () => {
    const { ae, cluster, timers } = setup(['10.0.0.1:1', '10.0.0.2:1', '10.0.0.2:1'], { maxConcurrent: 1 });
    ae.start();
    ae.triggerAll();
    ae.triggerAll();
    await settle();
    expect(cluster.opened).toEqual(['10.0.0.1:1']);
    // 10.0.0.2 once, and 10.0.0.1 again because it was already running when triggered the second time.
    expect(ae.stats().queued).toBe(2);
    await cluster.releaseAll();
    // The peer that was running when triggered again is synced once more afterwards, never twice at once.
    expect(cluster.opened).toEqual(['10.0.0.1:1', '10.0.0.2:1', '10.0.0.1:1']);
    expect(timers.pending).toBe(1);
    await ae.stop();
  });

  it('never runs two sessions with the same peer at once', async () => {
    const { ae, cluster } = setup(['10.0.0.1:1'], { maxConcurrent: 4 });
    const first = ae.syncNow('10.0.0.1:1');
    const second = ae.syncNow('10.0.0.1:1');
    ae.triggerAll();
    await settle();
    expect(cluster.opened).toEqual(['10.0.0.1:1']);
    await cluster.releaseAll();
    await Promise.all([first, second]);
    expect(cluster.opened).toHaveLength(3);
    expect(cluster.maxRunningPerPeer).toBe(1);
    await ae.stop();
  });

  it('syncNow returns the report, repairs both sides and records stats', async () => {
    const { ae, cluster, local } = setup([]);
    cluster.hold = false;
    const remote = cluster.store('127.0.0.1:7002');
    remote.merge('from-peer', version('p', BASE_TS, 'peer'));
    local.merge('from-local', version('l', BASE_TS, 'local'));

    const report = await ae.syncNow(' 127.0.0.1:7002 ');

    expect(report).toMatchObject({ pulled: 1, pushed: 1, inSync: false });
    expect(local.tree.rootHex()).toBe(remote.tree.rootHex());
    expect(cluster.closed).toEqual(['127.0.0.1:7002']);
    const stats = ae.stats();
    expect(stats).toMatchObject({ sessions: 1, failures: 0, keysRepaired: 2, keysPulled: 1, keysPushed: 1 });
    expect(stats.bytes).toBe(report.bytes);
    expect(stats.peers).toEqual([{ address: '127.0.0.1:7002', at: 42, ok: true, report, roundTrips: report.roundTrips, keysRepaired: 2 }]);
  });

  it('reports a failed session as SYNC_FAILED with its cause, and counts it', async () => {
    const boom = new Error('connection refused');
    const { ae } = setup([], {
      connect: (): Peer => ({
        root: () => Promise.reject(boom),
        children: () => Promise.reject(boom),
        leaf: () => Promise.reject(boom),
        getVersions: () => Promise.reject(boom),
        putVersions: () => Promise.reject(boom),
        close: async () => {},
        bytes: () => 7,
      }),
    });
    const failure = ae.syncNow('127.0.0.1:9');
    await expect(failure).rejects.toBeInstanceOf(AntiEntropyError);
    await expect(failure).rejects.toMatchObject({ code: 'SYNC_FAILED', cause: boom });
    expect(ae.stats()).toMatchObject({
      sessions: 1,
      failures: 1,
      bytes: 7,
      peers: [{ address: '127.0.0.1:9', ok: false, error: 'connection refused' }],
    });
  });

  it('keeps going when a background session fails', async () => {
    const cluster = new Cluster();
    cluster.hold = false;
    const attempts: string[] = [];
    const connect = (address: string): Peer => {
      attempts.push(address);
      if (address === '10.0.0.1:1') throw new Error('unreachable');
      return cluster.connect(address);
    };
    const ae = new AntiEntropy({
      store: makeStore('x'),
      peers: () => ['10.0.0.1:1', '10.0.0.2:1'],
      intervalMs: 1000,
      maxConcurrent: 1,
      connect,
      timers: new FakeTimers(),
    });
    ae.triggerAll();
    await settle();
    expect(attempts).toEqual(['10.0.0.1:1', '10.0.0.2:1']);
    expect(ae.stats()).toMatchObject({ sessions: 2, failures: 1 });
    await ae.stop();
  });

  it('skips invalid addresses and rejects them in syncNow', async () => {
    const { ae, cluster } = setup(['nonsense', '10.0.0.1:1']);
    cluster.hold = false;
    ae.triggerAll();
    await settle();
    expect(cluster.opened).toEqual(['10.0.0.1:1']);
    await expect(ae.syncNow('no-port')).rejects.toMatchObject({ code: 'INVALID_ADDRESS' });
    await ae.stop();
  });

  it('stop aborts running sessions, cancels the timer and refuses new syncs', async () => {
    const { ae, cluster, timers, local } = setup(['10.0.0.1:1']);
    cluster.store('10.0.0.1:1').merge('k', version('v', BASE_TS, 'peer'));
    ae.start();
    const running = ae.syncNow('10.0.0.1:1').catch((error: unknown) => error);
    await settle();
    const stopped = ae.stop();
    await cluster.releaseAll();
    await stopped;
    expect(await running).toMatchObject({ code: 'ABORTED' });
    expect(local.get('k')).toBeUndefined();
    expect(timers.pending).toBe(0);
    await expect(ae.syncNow('10.0.0.1:1')).rejects.toMatchObject({ code: 'STOPPED' });
    ae.triggerAll();
    expect(cluster.opened).toHaveLength(1);
  });

  it('rejects invalid options', () => {
    const base = { store: makeStore('a'), peers: () => [], intervalMs: 1000, maxConcurrent: 1 };
    expect(thrownCode(() => new AntiEntropy({ ...base, intervalMs: 0 }))).toBe('INVALID_OPTION');
    expect(thrownCode(() => new AntiEntropy({ ...base, maxConcurrent: 0 }))).toBe('INVALID_OPTION');
    expect(thrownCode(() => new AntiEntropy({ ...base, jitter: 1 }))).toBe('INVALID_OPTION');
  });
});
