import { reconnectDelays } from './backoff.js';
import { normalizeBrokerUrl } from './broker-url.js';
import { ReplicationErrorCode } from './errors.js';
import { topicMatches } from './topic-match.js';
import fc from 'fast-check';

describe('normalizeBrokerUrl', () => {
  it.each([
    ['tcp://test.mosquitto.org:1883', 'mqtt://test.mosquitto.org:1883'],
    ['tcp://localhost', 'mqtt://localhost'],
    ['mqtt://10.0.0.5:1884', 'mqtt://10.0.0.5:1884'],
    ['mqtts://broker.example.com:8883', 'mqtts://broker.example.com:8883'],
    ['ssl://broker.example.com:8883', 'mqtts://broker.example.com:8883'],
    ['ws://127.0.0.1:9001/mqtt', 'ws://127.0.0.1:9001/mqtt'],
    ['wss://broker.example.com/mqtt', 'wss://broker.example.com/mqtt'],
    ['127.0.0.1:1883', 'mqtt://127.0.0.1:1883'],
    ['  tcp://[::1]:1883 ', 'mqtt://[::1]:1883'],
  ])('%s -> %s', (input, output) => {
    expect(normalizeBrokerUrl(input)).toBe(output);
  });

  it.each(['http://example.com', 'tcp://', 'tcp://host:99999', 'amqp://host:5672', ''])('rejects %j with INVALID_BROKER_URL', (input) => {
    expect(() => normalizeBrokerUrl(input)).toThrow(expect.objectContaining({ code: ReplicationErrorCode.INVALID_BROKER_URL }));
  });
});

describe('reconnectDelays', () => {
  it('doubles from the initial delay up to the cap without jitter', () => {
    const backoff = reconnectDelays({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6, 50].map(backoff)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('spreads delays by the jitter and never leaves [0, maxMs]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (attempt, r) => {
        const ms = reconnectDelays({ initialMs: 100, maxMs: 5000, jitter: 0.5, random: () => r })(attempt);
        const base = Math.min(5000, 100 * 2 ** (attempt - 1));
        expect(ms).toBeGreaterThanOrEqual(Math.floor(base * 0.5));
        expect(ms).toBeLessThanOrEqual(5000);
      }),
    );
  });
});

describe('topicMatches', () => {
  it.each([
    ['a/updates', 'a/updates', true],
    ['a/updates', 'a/updatesx', false],
    ['a/+', 'a/updates', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'anything/at/all', true],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['a/b', 'a', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
