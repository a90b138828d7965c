/**
 * Authenticity of replication batches: with a cluster secret, every payload
 * ends with a newline and the hex HMAC-SHA256 of the bytes before it,
 *
 *     {"v":1,"n":"node-1","e":[...]}\n<64 hex digits>
 *
 * so the JSON (and its `{"v":1,"n":"node-1",` prefix, used to spot a node's
 * own echoes) is unchanged. A receiver with the secret rejects unsigned and
 * forged payloads before parsing them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ReplicationError, ReplicationErrorCode } from './errors.js';

const SEPARATOR = 0x0a; // "\n": JSON.stringify never writes a raw newline
const MAC_HEX_LENGTH = 64;
const DOMAIN = 'merklekv-replication/1\n';

function mac(secret: string, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(DOMAIN).update(body).digest();
}

/** Appends the signature of `body` under `secret`. */
export function signPayload(body: Buffer, secret: string): Buffer {
  return Buffer.concat([body, Buffer.from(`\n${mac(secret, body).toString('hex')}`, 'latin1')]);
}

/** The outcome of {@link verifyPayload}: the signed body, or why the payload was refused. */
export type VerifyResult = { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly error: ReplicationError };

/** Checks a signed payload in constant time; never throws. */
export function verifyPayload(payload: Buffer, secret: string): VerifyResult {
  const at = payload.length - MAC_HEX_LENGTH - 1;
  if (at < 0 || payload[at] !== SEPARATOR) {
    return { ok: false, error: new ReplicationError(ReplicationErrorCode.UNSIGNED_PAYLOAD, 'payload carries no signature (is cluster_secret set on every node?)') };
  }
  const body = payload.subarray(0, at);
  // Compared as the exact lowercase hex text: decoding the hex first would
  // accept variants (upper case) of a valid signature.
  const given = payload.subarray(at + 1);
  const expected = Buffer.from(mac(secret, body).toString('hex'), 'latin1');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, error: new ReplicationError(ReplicationErrorCode.BAD_SIGNATURE, 'payload signature does not match (forged, or signed with another cluster_secret)') };
  }
  return { ok: true, body };
}
