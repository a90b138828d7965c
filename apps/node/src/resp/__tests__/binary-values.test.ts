/**
 * Binary values end to end: bytes that are not UTF-8, SET over RESP on an lmdb node, replicate
 * to a second lmdb node byte for byte, and read back byte for byte on both after a restart (the
 * engines store the raw bytes, not U+FFFD). Two values that differ only in such bytes keep
 * different version digests, so the nodes' trees tell them apart. The peer version lines of the
 * text port (GETV, PUTV, PUTVS, as anti-entropy uses them) carry such bytes exactly too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { createClient, noRetry } from '@merklekv/client';
import { bytesToString, stringToBytes, versionDigest } from '@merklekv/merkle';
import { Redis } from 'ioredis';
import type { RunningNode } from '../../node.js';
import { freePort, startTestNode } from '../../__tests__/harness.js';

// Real nodes and a broker on a shared, loaded machine: generous bounds, not speed claims.
jest.setTimeout(90_000);

/** Polls `check` until it holds, up to a generous deadline (the machine may be loaded). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Values whose bytes are not (all) UTF-8; the first two differ only in one such byte. */
const VALUES: ReadonlyArray<readonly [string, Buffer]> = [
  ['bin:ff', Buffer.from([0x00, 0xff, 0x01])],
  ['bin:fe', Buffer.from([0x00, 0xfe, 0x01])],
  ['bin:mixed', Buffer.concat([Buffer.from('héllo '), Buffer.from([0xc3, 0x28, 0x80, 0xed, 0xa0, 0x80, 0xf4, 0x90]), Buffer.from(' 🙂')])],
  ['bin:all', Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
];

describe('binary RESP values on lmdb nodes', () => {
  const dirs: string[] = [];
  const nodes: RunningNode[] = [];
  const clients: Redis[] = [];

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const n of nodes.reverse()) await n.stop().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function client(node: RunningNode): Redis {
    const c = new Redis({ host: '127.0.0.1', port: node.respPort as number, lazyConnect: false });
    clients.push(c);
    return c;
  }

  async function allEqual(c: Redis): Promise<boolean> {
    for (const [key, bytes] of VALUES) if ((await c.getBuffer(key))?.equals(bytes) !== true) return false;
    return true;
  }

  it('replicate to a second node and survive a restart of both, byte for byte', async () => {
    const brokerPort = await freePort();
    const dirA = mkdtempSync(join(tmpdir(), 'merklekv-bin-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'merklekv-bin-b-'));
    dirs.push(dirA, dirB);
    const sectionsA = { mqtt: { broker_address: 'embedded', embedded_port: brokerPort }, storage: { engine: 'lmdb', data_dir: dirA } };
    const sectionsB = { mqtt: { broker_address: `mqtt://127.0.0.1:${brokerPort}` }, storage: { engine: 'lmdb', data_dir: dirB } };
    let a = await startTestNode(sectionsA, 'bin-a');
    nodes.push(a);
    let b = await startTestNode(sectionsB, 'bin-b');
    nodes.push(b);

    const onA = client(a);
    for (const [key, bytes] of VALUES) expect(await onA.set(key, bytes)).toBe('OK');
    expect(await allEqual(onA)).toBe(true);
    await eventually(() => allEqual(client(b)));

    // The two values that differ only in a non-UTF-8 byte have different version digests.
    const [ff, fe] = [a.store.get('bin:ff'), a.store.get('bin:fe')];
    expect(ff).toBeDefined();
    expect(fe).toBeDefined();
    expect(Buffer.from(versionDigest('k', ff as string, 1, 'n', false)).equals(Buffer.from(versionDigest('k', fe as string, 1, 'n', false)))).toBe(false);

    // Restart both on the same data directories: the lmdb files give back the raw bytes.
    for (const c of clients.splice(0)) c.disconnect();
    await b.stop();
    await a.stop();
    nodes.splice(0);
    a = await startTestNode(sectionsA, 'bin-a');
    nodes.push(a);
    b = await startTestNode(sectionsB, 'bin-b');
    nodes.push(b);
    expect(await allEqual(client(a))).toBe(true);
    expect(await allEqual(client(b))).toBe(true);
  });

  it("carries them exactly in the text port's version lines (GETV, PUTV, PUTVS) and GET replies", async () => {
    const node = await startTestNode({}, 'bin-lines');
    nodes.push(node);
    const resp = client(node);
    const text = createClient({ port: node.port, retry: noRetry });
    try {
      for (const [key, bytes] of VALUES) await resp.set(key, bytes);
      const versions = await text.getv(VALUES.map(([key]) => key));
      versions.forEach((v, i) => expect(v === null ? undefined : stringToBytes(v.value).toString('hex')).toBe(VALUES[i]?.[1].toString('hex')));
      expect(stringToBytes((await text.get('bin:all')) ?? '').equals(VALUES[3]?.[1] as Buffer)).toBe(true);

      const put = Buffer.from([0x80, 0x0a, 0xff, 0x22, 0x5c, 0xc3]);
      expect(await text.putv({ key: 'bin:putv', ts: 1_900_000_000_000_000, node: 'bin-peer', deleted: false, value: bytesToString(put) })).toBe('APPLIED');
      expect((await resp.getBuffer('bin:putv'))?.equals(put)).toBe(true);
      const many = [Buffer.from([0xfe]), Buffer.from([0x41, 0xf0, 0x9f, 0x98])];
      expect(await text.putvs(many.map((b, i) => ({ key: `bin:putvs:${i}`, ts: 1_900_000_000_000_000, node: 'bin-peer', deleted: false, value: bytesToString(b) })))).toEqual({ applied: 2, stale: 0 });
      for (const [i, b] of many.entries()) expect((await resp.getBuffer(`bin:putvs:${i}`))?.equals(b)).toBe(true);
    } finally {
      await text.close();
    }
  });
});
