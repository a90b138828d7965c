import fc from 'fast-check';
import { FakeClock, settle } from '@merklekv/test-support';
import { startReplica } from './__tests__/replica.js';
import { encodeBatch } from './event-codec.js';
import { ReplicationErrorCode } from './errors.js';
import { MemoryBus } from './memory-bus.js';
import { signPayload, verifyPayload } from './payload-signature.js';

const SECRET = 'a-cluster-secret-of-some-length';

describe('signPayload / verifyPayload', () => {
  it('property: a signed payload verifies to its body, and any change to it is refused', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, flip) => {
        const body = Buffer.from(bytes);
        const signed = signPayload(body, SECRET);
        const ok = verifyPayload(signed, SECRET);
        expect(ok.ok && ok.body.equals(body)).toBe(true);
        const tampered = Buffer.from(signed);
        const i = at % tampered.length;
        tampered[i] = (tampered[i] as number) ^ flip;
        expect(verifyPayload(tampered, SECRET).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a signature written in upper case (the hex text is compared exactly)', () => {
    const signed = signPayload(Buffer.from('{"v":1}'), SECRET);
    const upper = Buffer.from(signed.toString('latin1').replace(/\n([0-9a-f]+)$/, (_m, hex: string) => `\n${hex.toUpperCase()}`), 'latin1');
    expect(upper.equals(signed)).toBe(false);
    expect(verifyPayload(upper, SECRET).ok).toBe(false);
  });

  it('names why a payload is refused: no signature, or one made with another secret', () => {
    const body = encodeBatch('n', [{ key: 'k', record: { value: 'v', ts: 1, node: 'n', deleted: false } }]);
    const unsigned = verifyPayload(body, SECRET);
    expect(unsigned.ok ? undefined : unsigned.error.code).toBe(ReplicationErrorCode.UNSIGNED_PAYLOAD);
    const forged = verifyPayload(signPayload(body, 'another-secret-entirely'), SECRET);
    expect(forged.ok ? undefined : forged.error.code).toBe(ReplicationErrorCode.BAD_SIGNATURE);
  });
});

describe('Replicator with a cluster secret', () => {
  it('replicates signed batches and rejects (and counts) unsigned and forged ones', async () => {
    const bus = new MemoryBus();
    const clock = new FakeClock(1_000_000);
    const a = await startReplica(bus, 'a', clock, { secret: SECRET });
    const b = await startReplica(bus, 'b', clock, { secret: SECRET });
    a.store.set('good', '1');
    await settle();
    expect(b.store.get('good')).toBe('1');
    expect(bus.log.some((m) => m.from === 'a' && verifyPayload(m.payload, SECRET).ok)).toBe(true);

    const intruder = bus.connect('intruder');
    const batch = encodeBatch('c', [{ key: 'evil', record: { value: 'x', ts: Date.now() * 1024, node: 'c', deleted: false } }]);
    await intruder.publish('test/updates', batch);
    await intruder.publish('test/updates', signPayload(batch, 'guessed-wrong-secret'));
    await settle();
    expect(b.store.getVersion('evil')).toBeUndefined();
    expect(b.replicator.stats().rejected).toBe(2);
  });
});
