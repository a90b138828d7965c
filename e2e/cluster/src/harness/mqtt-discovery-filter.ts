/**
 * A stream rewriter for the broker → node direction of an MQTT 3.1.1 or 5 link
 * that blanks the payload of every PUBLISH on `{prefix}/nodes/...` (peer
 * discovery announcements). An empty retained announcement means "this node
 * left", so a node behind this filter discovers no peers and its
 * anti-entropy uses only `peer_list` — whose entries are fault proxies.
 * Without it, discovered peers would be dialled directly and a partition made
 * of proxies would leak. Every other packet passes byte for byte; a blanked
 * PUBLISH keeps its flags and packet id, so QoS 1 acknowledgements still flow.
 *
 * The version is read from the connection's CONNACK: an MQTT 5 CONNACK carries
 * a properties section (remaining length > 2), a 3.1.1 one is exactly 2 bytes.
 * An MQTT 5 PUBLISH keeps its properties too: only the payload after them is
 * dropped. (Until this read the version, an MQTT 5 node behind it received
 * announcements without their properties length, failed to parse the stream
 * — "Unknown property", "Invalid puback reason code" — and reconnected over
 * and over.)
 */

const CONNACK = 2;
const PUBLISH = 3;

/** Returns a stateful `chunk → bytes to forward` function for one connection. */
export function discoveryBlanker(topicPrefix: string): (chunk: Buffer) => Buffer {
  const blanked = Buffer.from(`${topicPrefix}/nodes/`, 'utf8');
  let pending: Buffer = Buffer.alloc(0);
  let v5 = false;
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const out: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const packet = frameAt(pending, offset);
      if (packet === undefined) break;
      const bytes = pending.subarray(offset, packet.end);
      const bodyStart = packet.bodyStart - offset;
      if ((bytes[0] as number) >> 4 === CONNACK) v5 = bytes.length - bodyStart > 2;
      out.push(isBlanked(bytes, bodyStart, blanked) ? blankPublish(bytes, bodyStart, v5) : bytes);
      offset = packet.end;
    }
    pending = Buffer.from(pending.subarray(offset));
    return Buffer.concat(out);
  };
}

/** The extent of the complete packet starting at `offset`, if it has fully arrived. */
function frameAt(buf: Buffer, offset: number): { bodyStart: number; end: number } | undefined {
  let length = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4; i++) {
    const at = offset + i;
    if (at >= buf.length) return undefined;
    const byte = buf[at] as number;
    length += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) {
      const bodyStart = at + 1;
      const end = bodyStart + length;
      return end <= buf.length ? { bodyStart, end } : undefined;
    }
  }
  // A malformed length: pass the rest through untouched.
  return { bodyStart: buf.length, end: buf.length };
}

function isBlanked(packet: Buffer, bodyStart: number, prefix: Buffer): boolean {
  if ((packet[0] as number) >> 4 !== PUBLISH) return false;
  const body = packet.subarray(bodyStart);
  if (body.length < 2) return false;
  const topicLength = body.readUInt16BE(0);
  const topic = body.subarray(2, 2 + topicLength);
  return topic.length >= prefix.length && topic.subarray(0, prefix.length).equals(prefix);
}

/** The same PUBLISH (flags, topic, packet id and, in MQTT 5, properties) with an empty payload. */
function blankPublish(packet: Buffer, bodyStart: number, v5: boolean): Buffer {
  const header = packet[0] as number;
  const qos = (header >> 1) & 0x03;
  const body = packet.subarray(bodyStart);
  const topicLength = body.readUInt16BE(0);
  let end = 2 + topicLength + (qos > 0 ? 2 : 0);
  if (v5) {
    const props = readVarint(body, end);
    if (props === undefined) return packet; // malformed: pass it through untouched
    end = props.next + props.value;
  }
  if (end > body.length) return packet;
  const keep = body.subarray(0, end);
  return Buffer.concat([Buffer.from([header]), encodeLength(keep.length), keep]);
}

/** The variable byte integer at `at` (MQTT 5 properties length), if well-formed. */
function readVarint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    if (at + i >= buf.length) return undefined;
    const byte = buf[at + i] as number;
    value += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return undefined;
}

function encodeLength(n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}
