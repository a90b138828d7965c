/**
 * What the MQTT connection logs while the broker is not up: one warn line
 * per attempt with the reason and the broker URL as configured (`tcp://`
 * stays `tcp://`), no error object and so no stack.
 */
import { jest } from '@jest/globals';
import { freePort, recordingLogger, waitFor } from '@merklekv/test-support';
import { createMqttPubSub } from './mqtt-pubsub.js';

jest.setTimeout(20_000);


describe('mqtt connection logs', () => {
  it('a broker that is not up: one line per attempt, the URL as configured, no stack', async () => {
    const port = await freePort();
    const { logger, entries } = recordingLogger();
    const url = `tcp://127.0.0.1:${port}`;
    const client = createMqttPubSub({ brokerUrl: url, clientId: 'logs', reconnectBackoff: () => 50, logger });
    try {
      await waitFor('two failed attempts', () => entries.filter((e) => e.level === 'warn').length >= 2);
    } finally {
      await client.close();
    }
    const warns = entries.filter((e) => e.level === 'warn');
    for (const warn of warns) {
      expect(warn.msg).toBe('mqtt connection error: will retry');
      expect(warn.obj).toEqual({ broker: url, reason: expect.stringMatching(/ECONNREFUSED/) });
    }
  });
});
