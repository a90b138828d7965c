import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { discoveryBlanker } from './mqtt-discovery-filter.js';

/** A PUBLISH; with `props` (MQTT 5) its properties section (length byte + bytes) follows the packet id. */
function publish(topic: string, payload: string, qos: 0 | 1, packetId = 7, props?: Buffer): Buffer {
  const t = Buffer.from(topic);
  const properties = props === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from([props.length]), props]);
  const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, qos > 0 ? Buffer.from([packetId >> 8, packetId & 0xff]) : Buffer.alloc(0), properties, Buffer.from(payload)]);
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
/** CONNACK of MQTT 3.1.1 (2 bytes) and of MQTT 5 (session present 0, reason 0, properties: receive maximum 20). */
const CONNACK_311 = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const CONNACK_5 = Buffer.from([0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x14]);

/** Feeds `stream` through a fresh blanker cut at `cuts`. */
function through(stream: Buffer, cuts: number[]): Buffer {
  const blank = discoveryBlanker('pre');
  const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
  return Buffer.concat(points.slice(1).map((end, i) => blank(stream.subarray(points[i], end))));
}

describe('discoveryBlanker', () => {
  it('blanks announcements, keeps flags and packet id, passes everything else as is, however the stream is split', () => {
    const announcement = publish('pre/nodes/node-3', JSON.stringify({ nodeId: 'node-3', address: '127.0.0.1:7000' }), 1);
    const update = publish('pre/updates', 'x'.repeat(300), 1, 9);
    const other = publish('other/nodes/a', 'keep', 0);
    const stream = Buffer.concat([CONNACK_311, PUBACK, announcement, update, announcement, other]);
    const expected = Buffer.concat([CONNACK_311, PUBACK, publish('pre/nodes/node-3', '', 1), update, publish('pre/nodes/node-3', '', 1), other]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        expect(through(stream, cuts).equals(expected)).toBe(true);
      }),
    );
  });

  it('on an MQTT 5 link (told by the CONNACK) keeps each blanked PUBLISH\'s properties, so the node can still parse it', () => {
    // Properties: message expiry interval (0x02, 4 bytes) and a user property would do; a
    // payload format indicator (0x01) and a message expiry interval are enough to be non-empty.
    const props = Buffer.from([0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x3c]);
    const announcement = publish('pre/nodes/node-3', JSON.stringify({ nodeId: 'node-3', address: '127.0.0.1:7000' }), 1, 7, props);
    const bare = publish('pre/nodes/node-2', 'gone?', 0, 0, Buffer.alloc(0));
    const update = publish('pre/updates', 'x'.repeat(300), 1, 9, Buffer.alloc(0));
    const stream = Buffer.concat([CONNACK_5, PUBACK, announcement, update, bare, announcement]);
    const expected = Buffer.concat([
      CONNACK_5,
      PUBACK,
      publish('pre/nodes/node-3', '', 1, 7, props),
      update,
      publish('pre/nodes/node-2', '', 0, 0, Buffer.alloc(0)),
      publish('pre/nodes/node-3', '', 1, 7, props),
    ]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        expect(through(stream, cuts).equals(expected)).toBe(true);
      }),
    );
  });
});
