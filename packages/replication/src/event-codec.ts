/**
 * The wire format of replication messages on `{topic_prefix}/updates`.
 *
 * One MQTT message carries one batch, as compact JSON:
 *
 *     {"v":1,"n":"node-1","e":[["user:1",1790000000000000,0,"alice"],["tmp",1790000000000001,1]]}
 *
 * - `v`  format version (always 1 for now; anything else is rejected).
 * - `n`  the publishing node's id; a node ignores batches carrying its own id.
 * - `e`  events, each a tuple `[key, ts, deleted, value?, node?, expireAt?]`:
 *   `ts` is the record's HLC timestamp (safe integer), `deleted` is 0 or 1,
 *   `value` is present for live records and omitted (or `""`) for tombstones,
 *   `node` is present only when the record's writer differs from `n` (or when
 *   `expireAt` follows), `expireAt` (absolute ms) only when the version has an
 *   expiry: `["sess:1",1790000000000000,0,"tok","node-1",1790000060000]`.
 *   A build without expiry rejects such a batch whole (its tuple has 5 places).
 * - `r`  optional, `1` when the publisher has just (re)connected (a rejoin).
 *
 * Every payload is checked against the zod schema {@link changeBatchSchema}: a
 * well-formed batch by a hand-written check that accepts a subset of it (see
 * {@link wellFormedBatch}), anything else by zod itself; what the schema refuses
 * (not JSON, no version, no node id, malformed tuples, a tombstone with a
 * value) is rejected whole.
 *
 * Then the contents are checked by the text protocol's own rules (`@merklekv/protocol`'s
 * `keyProblem`, `tokenProblem`, `valueProblem`: the one definition both doors share), so that
 * nothing a client could not have written enters a store through MQTT. A batch whose node id
 * `n` breaks them is rejected whole; an event whose key, value or writer id breaks them is
 * rejected alone (listed in {@link ChangeBatch.rejected}) and the batch's other events are
 * applied: each event is an independent version, and one bad event must not hold back the
 * valid writes it travels with.
 */
import type { VersionedRecord } from '@merklekv/storage';
import { z } from 'zod';
import { keyProblem, tokenProblem, valueProblem } from '@merklekv/protocol';
import type { ChangeBatch, ChangeEvent, RejectedEvent } from './change-event.js';
import { ReplicationError, ReplicationErrorCode } from './errors.js';
import { JsonByteWriter } from './json-byte-writer.js';

/** The format version this build writes and reads. */
export const WIRE_FORMAT_VERSION = 1;

/** Largest accepted payload, in bytes. @default 16 MiB */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

// Shapes only: what a key, a value or a node id may hold is the protocol's rule (see decodeBatch).
const keySchema = z.string();
const tsSchema = z.number().int().nonnegative();
const nodeSchema = z.string();

/**
 * One event. A single tuple with optional tail plus one refinement is about 3x
 * faster to check than a union of exact tuples (this runs for every event received).
 */
const entrySchema = z
  .tuple([keySchema, tsSchema, z.union([z.literal(0), z.literal(1)]), z.string().optional(), nodeSchema.optional(), tsSchema.optional()])
  .refine((e) => (e[2] === 0 ? e[3] !== undefined : e[3] === undefined || e[3] === ''), {
    message: 'a live record needs a value and a tombstone carries none',
  });

/** The zod schema of one batch message (see the file comment for the layout). */
export const changeBatchSchema = z.object({
  v: z.literal(WIRE_FORMAT_VERSION),
  n: nodeSchema,
  e: z.array(entrySchema),
  r: z.literal(1).optional(),
});

/** The raw (JSON) shape of a batch message. */
export type WireBatch = z.infer<typeof changeBatchSchema>;

/** The outcome of {@link decodeBatch}: a batch, or the reason it was rejected. */
export type DecodeResult = { readonly ok: true; readonly batch: ChangeBatch } | { readonly ok: false; readonly error: ReplicationError };

/** Encodes one batch of events published by `node`. */
export function encodeBatch(node: string, events: Iterable<ChangeEvent>, rejoin = false): Buffer {
  const keys: string[] = [];
  const records: VersionedRecord[] = [];
  for (const { key, record } of events) {
    keys.push(key);
    records.push(record);
  }
  return encodeBatchArrays(node, keys, records, rejoin);
}

/**
 * {@link encodeBatch} over parallel arrays (`keys[i]` changed to `records[i]`): what the
 * replicator publishes from, without an object per event.
 *
 * The JSON is written byte by byte into a reused scratch buffer and copied out once,
 * rather than built as arrays, stringified and encoded: no allocation per event (on a
 * busy node, the garbage of the string approach cost more than the encoding itself).
 * Strings that need escaping or hold non-ASCII characters go through JSON.stringify, so
 * the bytes are exactly those of the UTF-8 JSON.stringify of the {@link WireBatch}.
 */
export function encodeBatchArrays(node: string, keys: readonly string[], records: readonly VersionedRecord[], rejoin = false): Buffer {
  const out = scratch;
  out.reset();
  out.ascii(`{"v":${WIRE_FORMAT_VERSION},"n":`);
  out.quoted(node);
  out.ascii(',"e":[');
  for (let i = 0; i < keys.length; i++) {
    const record = records[i] as VersionedRecord;
    out.ascii(i === 0 ? '[' : ',[');
    out.quoted(keys[i] as string);
    out.byte(0x2c);
    out.integer(record.ts);
    const expireAt = record.expireAt ?? 0;
    if (expireAt !== 0) {
      out.ascii(record.deleted ? ',1,"",' : ',0,');
      if (!record.deleted) {
        out.quoted(record.value);
        out.byte(0x2c);
      }
      out.quoted(record.node);
      out.byte(0x2c);
      out.integer(expireAt);
    } else if (record.deleted) {
      out.ascii(',1');
      if (record.node !== node) {
        out.ascii(',"",');
        out.quoted(record.node);
      }
    } else {
      out.ascii(',0,');
      out.quoted(record.value);
      if (record.node !== node) {
        out.byte(0x2c);
        out.quoted(record.node);
      }
    }
    out.byte(0x5d);
  }
  out.ascii(rejoin ? '],"r":1}' : ']}');
  return out.take();
}

/** One writer, reused: encoding is synchronous. */
const scratch = new JsonByteWriter();


/** Decodes and validates one payload; never throws. */
export function decodeBatch(payload: Buffer, maxBytes: number = MAX_PAYLOAD_BYTES): DecodeResult {
  if (payload.length > maxBytes) {
    return reject(ReplicationErrorCode.PAYLOAD_TOO_LARGE, `payload of ${payload.length} bytes exceeds ${maxBytes}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (cause) {
    return reject(ReplicationErrorCode.INVALID_PAYLOAD, 'payload is not JSON', cause);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('v' in json) || !('n' in json)) {
    return reject(ReplicationErrorCode.FOREIGN_PAYLOAD, 'payload is not a MerkleKV change batch (no "v" or "n")');
  }
  if (json.v !== WIRE_FORMAT_VERSION) {
    return reject(ReplicationErrorCode.UNSUPPORTED_VERSION, `unsupported change-batch version ${JSON.stringify(json.v)}`);
  }
  let wire = wellFormedBatch(json);
  if (wire === undefined) {
    const parsed = changeBatchSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined ? '' : ` at ${issue.path.join('.') || '(root)'}: ${issue.message}`;
      return reject(ReplicationErrorCode.INVALID_PAYLOAD, `invalid change batch${where}`, parsed.error);
    }
    wire = parsed.data;
  }
  const { n, e, r } = wire;
  const nodeBad = tokenProblem(n);
  if (nodeBad !== undefined) return reject(ReplicationErrorCode.INVALID_PAYLOAD, `invalid change batch: node id ${nodeBad}`);
  const events: ChangeEvent[] = [];
  let rejected: RejectedEvent[] | undefined;
  for (let i = 0; i < e.length; i++) {
    const [key, ts, deleted, value, writer, expireAt] = e[i] as (typeof e)[number];
    const problem = eventProblem(key, deleted === 1 ? undefined : value, writer);
    if (problem !== undefined) {
      (rejected ??= []).push({ index: i, reason: problem });
      continue;
    }
    events.push({
      key,
      record:
        expireAt === undefined || expireAt === 0
          ? { value: deleted === 1 ? '' : (value ?? ''), ts, node: writer ?? n, deleted: deleted === 1 }
          : { value: deleted === 1 ? '' : (value ?? ''), ts, node: writer ?? n, deleted: deleted === 1, expireAt },
    });
  }
  return { ok: true, batch: { node: n, events, rejoin: r === 1, rejected: rejected ?? NONE } };
}

/**
 * The common case of {@link changeBatchSchema}, checked by hand: a batch every field of which
 * has exactly the shape the schema asks for is returned as it is (what zod would return for
 * it: unknown keys left out); anything else, undefined, and the schema itself decides and
 * words the error. Stricter than the schema, never looser (a property test holds it to that),
 * and about ten times cheaper: zod's parse cost ~1 µs and ~1 KB of garbage per event received.
 */
export function wellFormedBatch(json: object): WireBatch | undefined {
  const { v, n, e, r } = json as { v?: unknown; n?: unknown; e?: unknown; r?: unknown };
  if (v !== WIRE_FORMAT_VERSION || typeof n !== 'string' || !Array.isArray(e)) return undefined;
  if (r !== undefined && r !== 1) return undefined;
  if ('r' in json && r === undefined) return undefined;
  for (let i = 0; i < e.length; i++) {
    const t: unknown = e[i];
    if (!Array.isArray(t) || t.length < 3 || t.length > 6) return undefined;
    const deleted: unknown = t[2];
    const value: unknown = t[3];
    if (typeof t[0] !== 'string' || !isTs(t[1]) || (deleted !== 0 && deleted !== 1)) return undefined;
    if (t.length > 3 && typeof value !== 'string') return undefined;
    if (t.length > 4 && typeof t[4] !== 'string') return undefined;
    if (t.length > 5 && !isTs(t[5])) return undefined;
    if (deleted === 0 ? value === undefined : value !== undefined && value !== '') return undefined;
  }
  return r === 1 ? { v: WIRE_FORMAT_VERSION, n, e: e as WireBatch['e'], r } : { v: WIRE_FORMAT_VERSION, n, e: e as WireBatch['e'] };
}

function isTs(x: unknown): boolean {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * The events of a payload this node encoded itself (its replay buffer keeps acknowledged
 * batches as bytes): parsed without validation, in order, one event per tuple. Never given a
 * payload from the network: that is {@link decodeBatch}'s job.
 */
export function decodeOwnEvents(payload: Buffer): ChangeEvent[] {
  const { n, e } = JSON.parse(payload.toString('utf8')) as WireBatch;
  return e.map(([key, ts, deleted, value, writer, expireAt]) => ({
    key,
    record:
      expireAt === undefined || expireAt === 0
        ? { value: deleted === 1 ? '' : (value ?? ''), ts, node: writer ?? n, deleted: deleted === 1 }
        : { value: deleted === 1 ? '' : (value ?? ''), ts, node: writer ?? n, deleted: deleted === 1, expireAt },
  }));
}

/**
 * The bytes every batch published by `node` starts with (see {@link encodeBatch}): lets a
 * node recognise its own echoes without parsing them.
 */
export function batchPrefix(node: string): Buffer {
  return Buffer.from(`{"v":${WIRE_FORMAT_VERSION},"n":${JSON.stringify(node)},`, 'utf8');
}

const NONE: readonly RejectedEvent[] = [];

/** Why one event breaks the protocol's rules (key, value, writer id), or undefined. */
function eventProblem(key: string, value: string | undefined, writer: string | undefined): string | undefined {
  const keyBad = keyProblem(key);
  if (keyBad !== undefined) return `key ${keyBad}`;
  if (value !== undefined) {
    const valueBad = valueProblem(value);
    if (valueBad !== undefined) return `value of '${key}' ${valueBad}`;
  }
  if (writer !== undefined) {
    const writerBad = tokenProblem(writer);
    if (writerBad !== undefined) return `writer node id of '${key}' ${writerBad}`;
  }
  return undefined;
}

function reject(code: ReplicationErrorCode, message: string, cause?: unknown): DecodeResult {
  return { ok: false, error: new ReplicationError(code, message, cause === undefined ? undefined : { cause }) };
}
