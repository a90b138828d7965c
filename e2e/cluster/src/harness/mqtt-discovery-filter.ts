/**
 * A stream rewriter for the broker → node direction of an MQTT 3.1.1 link
 * that blanks the payload of every PUBLISH on `{prefix}/nodes/...` (peer
 * discovery announcements). An empty retained announcement means "this node
 * left", so a node behind this filter discovers no peers and its
 * anti-entropy uses only `peer_list` — whose entries are fault proxies.
 * Without it, discovered peers would be dialled directly and a partition made
 * of proxies would leak. Every other packet passes byte for byte; a blanked
 * PUBLISH keeps its flags and packet id, so QoS 1 acknowledgements still flow.
 */

const PUBLISH = 3;

/** Returns a stateful `chunk → bytes to forward` function for one connection. */
export function discoveryBlanker(topicPrefix: string): (chunk: Buffer) => Buffer {
  const blanked = Buffer.from(`${topicPrefix}/nodes/`, 'utf8');
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const out: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const packet = frameAt(pending, offset);
      if (packet === undefined) break;
      const bytes = pending.subarray(offset, packet.end);
      const bodyStart = packet.bodyStart - offset;
      out.push(isBlanked(bytes, bodyStart, blanked) ? blankPublish(bytes, bodyStart) : bytes);
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

/** The same PUBLISH (flags, topic, packet id) with an empty payload. */
function blankPublish(packet: Buffer, bodyStart: number): Buffer {
  const header = packet[0] as number;
  const qos = (header >> 1) & 0x03;
  const body = packet.subarray(bodyStart);
  const topicLength = body.readUInt16BE(0);
  const keep = body.subarray(0, 2 + topicLength + (qos > 0 ? 2 : 0));
  return Buffer.concat([Buffer.from([header]), encodeLength(keep.length), keep]);
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
