/**
 * What the MQTT connection logs while the broker is not up: one warn line
 * per attempt with the reason and the broker URL as configured (`tcp://`
 * stays `tcp://`), no error object and so no stack.
 */
import { jest } from '@jest/globals';
import { freePort } from './__tests__/mosquitto.js';
import { waitFor } from './__tests__/wait-for.js';
import type { Logger } from './logger.js';
import { createMqttPubSub } from './mqtt-pubsub.js';

jest.setTimeout(20_000);

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

describe('mqtt connection logs', () => {
  it('a broker that is not up: one line per attempt, the URL as configured, no stack', async () => {
    const port = await freePort();
    const { logger, entries } = recorder();
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
