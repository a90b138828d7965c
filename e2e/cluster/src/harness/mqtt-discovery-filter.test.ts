import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { discoveryBlanker } from './mqtt-discovery-filter.js';

function publish(topic: string, payload: string, qos: 0 | 1, packetId = 7): Buffer {
  const t = Buffer.from(topic);
  const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, qos > 0 ? Buffer.from([packetId >> 8, packetId & 0xff]) : Buffer.alloc(0), Buffer.from(payload)]);
  const length: number[] = [];
  let rest = body.length;
  do {
    let b = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) b |= 0x80;
    length.push(b);
  } while (rest > 0);
  return Buffer.concat([Buffer.from([0x30 | (qos << 1) | 1]), Buffer.from(length), body]);
}

const PUBACK = Buffer.from([0x40, 0x02, 0x00, 0x07]);

describe('discoveryBlanker', () => {
  it('blanks announcements, keeps flags and packet id, passes everything else as is, however the stream is split', () => {
    const announcement = publish('pre/nodes/node-3', JSON.stringify({ nodeId: 'node-3', address: '127.0.0.1:7000' }), 1);
    const update = publish('pre/updates', 'x'.repeat(300), 1, 9);
    const other = publish('other/nodes/a', 'keep', 0);
    const stream = Buffer.concat([PUBACK, announcement, update, announcement, other]);
    const expected = Buffer.concat([PUBACK, publish('pre/nodes/node-3', '', 1), update, publish('pre/nodes/node-3', '', 1), other]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const blank = discoveryBlanker('pre');
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const out = Buffer.concat(points.slice(1).map((end, i) => blank(stream.subarray(points[i], end))));
        expect(out.equals(expected)).toBe(true);
      }),
    );
  });
});
