/**
 * GET and MGET write a value held as bytes straight into the reply bytes (server/reply-bytes.ts),
 * on both ports. Whatever the value, the bytes on the wire are those of the string path: the text
 * port's `encodeValue(value) + CRLF` (escaped bytes restored), RESP's `respBulk(value)`; a key
 * past its expiry is expired by the read and answered null; and replies of a pipelined read come
 * back in order whether they were gathered as bytes or as text.
 */
import { connect, type Socket } from 'node:net';
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { bytesToString, stringToBytes } from '@merklekv/merkle';
import { encodeValue, respBulk } from '@merklekv/protocol';
import type { RunningNode } from '../node.js';
import { startTestNode } from './harness.js';

jest.setTimeout(60_000);

/** A client that sends raw bytes and reads exactly as many bytes back. */
class RawClient {
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.received += chunk.length;
      this.wake?.();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends `request` and resolves with the next `length` bytes (fails after a generous deadline). */
  async exchange(request: Buffer | string, length: number): Promise<Buffer> {
    this.socket.write(request);
    const deadline = Date.now() + 20_000;
    while (this.received < length) {
      if (Date.now() > deadline) throw new Error(`got ${this.received} of ${length} reply bytes`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    const all = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    if (all.length > length) this.chunks.push(all.subarray(length));
    this.received = all.length - length;
    return all.subarray(0, length);
  }

  close(): void {
    this.socket.destroy();
  }
}

const toBytes = (reply: string | Buffer): Buffer => (typeof reply === 'string' ? Buffer.from(reply, 'utf8') : reply);
const textLine = (value: string | undefined): Buffer => stringToBytes(value === undefined ? '(null)\r\n' : `${encodeValue(value)}\r\n`);
const respGet = (key: string): Buffer => Buffer.from(`*2\r\n$3\r\nGET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`);

/** Values across every path: raw ASCII, values that need quotes, Latin-1 above 0x7F, wider characters, escaped bytes, empty, past the arena's 4096. */
const VALUES: readonly string[] = [
  'hello',
  'a value with spaces and "quotes"',
  '',
  ' leading',
  'trailing ',
  '"starts with a quote',
  '(null)',
  '(null) and more',
  'END',
  'ENDS',
  'ERROR: not one',
  'EVERYTHING',
  'tab\there',
  'line\r\nbreak',
  'nul\0',
  'café',
  '\xff\xfe',
  'snow ☃ man',
  '🙂',
  bytesToString(Buffer.from([0x61, 0xff, 0x62])),
  'x'.repeat(4096),
  'y'.repeat(4097),
  'é'.repeat(4096),
  'z'.repeat(1000),
];

describe('GET and MGET reply bytes', () => {
  let node: RunningNode;
  let text: RawClient;
  let resp: RawClient;

  beforeAll(async () => {
    node = await startTestNode({ resp: { enabled: true } });
    text = await RawClient.open(node.port);
    resp = await RawClient.open(node.respPort as number);
  });

  afterAll(async () => {
    text.close();
    resp.close();
    await node.stop();
  });

  it('answers GET with the string path bytes on both ports, for every kind of value', async () => {
    for (const [i, value] of VALUES.entries()) {
      const key = `v:${i}`;
      node.store.set(key, value);
      const line = textLine(value);
      expect(await text.exchange(`GET ${key}\r\n`, line.length)).toEqual(line);
      const bulk = toBytes(respBulk(value, 2));
      expect(await resp.exchange(respGet(key), bulk.length)).toEqual(bulk);
    }
  });

  it('property: random Latin-1 values and overwrites read back as the string path writes them, pipelined with other replies', async () => {
    const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 80 });
    const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(7), fc.oneof(ascii, latin1)), { minLength: 1, maxLength: 12 }), async (writes) => {
        for (const [k, value] of writes) node.store.set(`p:${k}`, value);
        const keys = [...new Set(writes.map(([k]) => `p:${k}`))];
        // One read holding GETs, a missing key, a PING and an MGET: the replies come back in order.
        const request = [...keys.map((k) => `GET ${k}`), 'GET p:missing', 'PING', `MGET ${keys.join(' ')} p:missing`].join('\r\n') + '\r\n';
        const want = Buffer.concat([
          ...keys.map((k) => textLine(node.store.get(k))),
          textLine(undefined),
          Buffer.from('PONG\r\n'),
          ...keys.map((k) => textLine(node.store.get(k))),
          textLine(undefined),
          Buffer.from('END\r\n'),
        ]);
        expect(await text.exchange(request, want.length)).toEqual(want);

        const mget = [...keys, 'p:missing'];
        const respRequest = Buffer.concat([
          ...keys.map(respGet),
          Buffer.from(`*${mget.length + 1}\r\n$4\r\nMGET\r\n${mget.map((k) => `$${k.length}\r\n${k}\r\n`).join('')}`),
        ]);
        const respWant = Buffer.concat([
          ...keys.map((k) => toBytes(respBulk(node.store.get(k), 2))),
          Buffer.from(`*${mget.length}\r\n`),
          ...mget.map((k) => toBytes(respBulk(node.store.get(k), 2))),
        ]);
        expect(await resp.exchange(respRequest, respWant.length)).toEqual(respWant);
      }),
      { numRuns: 40 },
    );
  });

  it('answers null for a key past its expiry, which is then held as its expiry tombstone (both ports)', async () => {
    const store = node.store;
    const expireAt = store.nowMs() + 50;
    store.set('gone:text', 'soon gone', expireAt);
    store.set('gone:resp', 'soon gone', expireAt);
    const deadline = Date.now() + 20_000;
    while (store.nowMs() <= expireAt) {
      if (Date.now() > deadline) throw new Error('the clock did not pass the expiry');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await text.exchange('GET gone:text\r\n', 8)).toEqual(Buffer.from('(null)\r\n'));
    expect(await text.exchange('MGET gone:text k:none\r\n', 21)).toEqual(Buffer.from('(null)\r\n(null)\r\nEND\r\n'));
    expect(await resp.exchange(respGet('gone:resp'), 5)).toEqual(Buffer.from('$-1\r\n'));
    expect(store.getVersion('gone:text')?.deleted).toBe(true);
    expect(store.getVersion('gone:resp')?.deleted).toBe(true);
  });
});
