/**
 * The MQTT door is no looser than the TCP door: a plain MQTT client (mqtt.js) publishes change
 * batches on the node's embedded broker (aedes) holding keys, values and node ids the text
 * protocol refuses. None of them enters the store; the valid events beside them are applied (as
 * packages/replication/README.md says); SCAN, GETV and LEAF keep their framing; the rejects are
 * counted in INFO/STATS and logged, throttled.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { packTs } from '@merklekv/storage';
import type { RunningNode } from '../node.js';
import { freePort, LineClient, startTestNode } from './harness.js';

const lines: string[] = [];
let node: RunningNode;
let brokerPort: number;

beforeAll(async () => {
  brokerPort = await freePort();
  node = await startTestNode(
    { mqtt: { broker_address: 'embedded', embedded_port: brokerPort } },
    'victim',
    pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }),
  );
}, 30_000);
afterAll(async () => node?.stop());

async function publish(payloads: string[]): Promise<void> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { clientId: 'hostile', reconnectPeriod: 0 });
  try {
    for (const p of payloads) await client.publishAsync('merkle-kv/updates', p, { qos: 1 });
  } finally {
    await client.endAsync();
  }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hostile change events published on the broker', () => {
  it('are rejected one by one by the protocol rules; the rest of the batch applies; framing holds', async () => {
    const ts = packTs(Date.now());
    const batch = {
      v: 1,
      n: 'attacker',
      e: [
        ['a b', ts, 0, 'space in key'],
        ['END', ts, 0, 'reserved key'],
        ['ERROR:', ts, 0, 'reserved key'],
        ['line\r\nEND', ts, 0, 'CR/LF in key'],
        ['good:1', ts, 0, 'fine'],
        ['bad:value', ts, 0, 'half \ud800'],
        ['bad:writer', ts, 0, 'v', 'evil node'],
        ['k'.repeat(1025), ts, 0, 'too long'],
        ['good:2', ts + 1, 1],
      ],
    };
    // A batch whose publisher id breaks the rules is rejected whole, its valid-looking event too.
    const badNode = { v: 1, n: 'bad\nnode', e: [['good:3', ts, 0, 'never']] };

    const c = await LineClient.open(node.port);
    try {
      // The node subscribes once its MQTT connection is up: a valid probe, published until it
      // lands, says the hostile batches below cannot be missed.
      const probe = JSON.stringify({ v: 1, n: 'attacker', e: [['probe', ts, 0, 'p']] });
      await until('the node subscribed', async () => (await publish([probe]), (await c.call('GET probe')) === 'p'));
      await publish([JSON.stringify(batch), JSON.stringify(badNode)]);
      await until('the valid event applied', async () => (await c.call('GET good:1')) === 'fine');
      c.send('SCAN *\r\n');
      expect(await c.untilEnd()).toEqual(['good:1 fine', 'probe p', 'END']);
      c.send('GETV good:1 good:2 good:3\r\n');
      const getv = await c.untilEnd();
      expect(getv).toHaveLength(4);
      expect(getv[0]).toMatch(/^good:1 \d+ attacker 0 fine$/);
      expect(getv[1]).toMatch(/^good:2 \d+ attacker 1/);
      expect(getv[2]).toBe('good:3 -');
      expect(await c.call('DBSIZE')).toBe('2');
      const hash = (await c.call('HASH')).split(' ');
      expect(hash[1]).toBe('3'); // good:1, probe and the tombstone good:2: nothing else is held

      let info: string[] = [];
      await until('the bad publisher id counted', async () => {
        c.send('INFO\r\n');
        info = await c.untilEnd();
        return info.includes('rejected:1');
      });
      expect(info).toContain('rejected_events:7');
    } finally {
      c.close();
    }
    const logged = lines.filter((l) => l.includes('replication events rejected'));
    expect(logged).toHaveLength(1); // throttled: one line for the batch, not one per event
    expect(logged[0]).toContain('"events":7');
    await until('the bad publisher id logged', async () => lines.some((l) => l.includes('replication payload rejected') && l.includes('node id')));
  }, 30_000);
});
