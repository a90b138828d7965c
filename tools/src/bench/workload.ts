/**
 * Pre-encoded request batches for the load generator. Every request the bench
 * sends is encoded before the clock starts, so sending costs one
 * `socket.write` of a ready Buffer per batch. The same spec and seed give the
 * same key/command sequence for both protocols, so MerkleKV and Redis see an
 * identical workload.
 */

/** The wire protocol a server speaks. */
export type WireProtocol = 'merklekv' | 'resp';

/** What to send. */
export interface WorkloadSpec {
  /** Distinct keys; keys are `bench:` plus a zero-padded index. */
  readonly keySpace: number;
  /** Bytes per SET value (printable ASCII, no spaces). */
  readonly valueSize: number;
  /** Fraction of requests that are GETs, in [0, 1]; the rest are SETs. */
  readonly getRatio: number;
  /** Requests per batch (pipeline depth; 1 = unpipelined). */
  readonly pipeline: number;
  /** PRNG seed for the key and command sequence. */
  readonly seed: number;
}

/** A deterministic 32-bit PRNG (mulberry32) returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The name of key number `index` in a key space of `keySpace` keys. */
export function keyName(index: number, keySpace: number): string {
  return `bench:${String(index).padStart(String(Math.max(0, keySpace - 1)).length, '0')}`;
}

/** A value of `size` bytes drawn from `[a-z0-9]`. */
export function makeValue(size: number, random: () => number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let v = '';
  for (let i = 0; i < size; i++) v += alphabet[Math.floor(random() * alphabet.length)];
  return v;
}

function bulk(s: string): string {
  return `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
}

/** One SET request on the wire. `value` must hold no spaces or line breaks. */
export function encodeSet(protocol: WireProtocol, key: string, value: string): string {
  return protocol === 'resp' ? `*3\r\n$3\r\nSET\r\n${bulk(key)}${bulk(value)}` : `SET ${key} ${value}\r\n`;
}

/** One GET request on the wire. */
export function encodeGet(protocol: WireProtocol, key: string): string {
  return protocol === 'resp' ? `*2\r\n$3\r\nGET\r\n${bulk(key)}` : `GET ${key}\r\n`;
}

/**
 * `count` batches of `spec.pipeline` requests each, every batch one Buffer.
 * Keys are uniform over the key space; each request is a GET with
 * probability `spec.getRatio`.
 */
export function buildBatches(spec: WorkloadSpec, protocol: WireProtocol, count: number): Buffer[] {
  const random = seededRandom(spec.seed);
  const values = Array.from({ length: 16 }, () => makeValue(spec.valueSize, random));
  const batches: Buffer[] = [];
  for (let b = 0; b < count; b++) {
    let text = '';
    for (let r = 0; r < spec.pipeline; r++) {
      const key = keyName(Math.floor(random() * spec.keySpace), spec.keySpace);
      text +=
        random() < spec.getRatio
          ? encodeGet(protocol, key)
          : encodeSet(protocol, key, values[(b + r) % values.length] as string);
    }
    batches.push(Buffer.from(text));
  }
  return batches;
}

/**
 * Batches that SET every key of the key space once (so GETs hit), `pipeline`
 * keys per batch; the last batch may be shorter. Returns each batch with its
 * request count.
 */
export function buildPreload(
  spec: Pick<WorkloadSpec, 'keySpace' | 'valueSize' | 'seed'>,
  protocol: WireProtocol,
  pipeline: number,
): { batch: Buffer; requests: number }[] {
  const value = makeValue(spec.valueSize, seededRandom(spec.seed ^ 0x5eed));
  const out: { batch: Buffer; requests: number }[] = [];
  for (let start = 0; start < spec.keySpace; start += pipeline) {
    const end = Math.min(spec.keySpace, start + pipeline);
    let text = '';
    for (let k = start; k < end; k++) text += encodeSet(protocol, keyName(k, spec.keySpace), value);
    out.push({ batch: Buffer.from(text), requests: end - start });
  }
  return out;
}
