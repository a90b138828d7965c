/**
 * What anti-entropy logs: a session that repaired keys at info (the README
 * promises these lines), a peer that is not up as one warn line with the
 * reason and no stack, and a fault in the code with its stack.
 */
import { describe, expect, it } from '@jest/globals';
import { AntiEntropy } from './anti-entropy.js';
import { ConnectionRefused } from './__tests__/connection-refused.js';
import type { Logger } from './logger.js';
import type { Peer } from './peer.js';
import { storePeer } from './store-peer.js';
import { FakeTimers } from './__tests__/fake-timers.js';
import { BASE_TS, makeStore, version } from './__tests__/fixtures.js';

interface Entry {
  readonly level: string;
  readonly obj: Record<string, unknown>;
  readonly msg: string | undefined;
}

function recorder(): { logger: Logger; entries: Entry[] } {
  const entries: Entry[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void entries.push({ level, obj: obj as Record<string, unknown>, msg });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, entries };
}

function engine(connect: (address: string) => Peer, logger: Logger): AntiEntropy {
  return new AntiEntropy({ store: makeStore('local'), peers: () => ['127.0.0.1:7001'], intervalMs: 10_000, maxConcurrent: 1, connect, timers: new FakeTimers(), random: () => 0.5, clock: () => 42, logger });
}

describe('anti-entropy logs', () => {
  it('logs a session that repaired keys at info, and an in-sync one at debug', async () => {
    const remote = makeStore('remote');
    remote.merge('a', version('from-peer', BASE_TS + 1, 'remote'));
    const { logger, entries } = recorder();
    const ae = engine(() => storePeer(remote), logger);
    await ae.syncNow('127.0.0.1:7001');
    await ae.syncNow('127.0.0.1:7001');
    await ae.stop();
    const sessions = entries.filter((e) => String(e.msg).startsWith('anti-entropy session'));
    expect(sessions.map((e) => [e.level, e.msg])).toEqual([
      ['info', 'anti-entropy session repaired keys'],
      ['debug', 'anti-entropy session done'],
    ]);
    expect(sessions[0]?.obj).toMatchObject({ peer: '127.0.0.1:7001', pulled: 1 });
  });

  it('a peer that is not up: one warn line with the reason, no error object (no stack)', async () => {
    const { logger, entries } = recorder();
    const ae = engine(() => {
      throw new ConnectionRefused('Cannot connect to 127.0.0.1:7001: ECONNREFUSED');
    }, logger);
    await expect(ae.syncNow('127.0.0.1:7001')).rejects.toThrow(/ECONNREFUSED/);
    await ae.stop();
    const failed = entries.filter((e) => e.level === 'warn');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.obj).toEqual({ peer: '127.0.0.1:7001', reason: 'Cannot connect to 127.0.0.1:7001: ECONNREFUSED' });
    expect(failed[0]?.msg).toMatch(/will retry/);
  });

  it('a fault in the code keeps its stack', async () => {
    const { logger, entries } = recorder();
    const ae = engine(() => {
      throw new TypeError('x is not a function');
    }, logger);
    await expect(ae.syncNow('127.0.0.1:7001')).rejects.toThrow();
    await ae.stop();
    expect(entries.find((e) => e.level === 'warn')?.obj['err']).toBeInstanceOf(TypeError);
  });
});
