/**
 * The floor's backend for the reference server (`baseline-server.ts PORT --floor [BROKER_URL]`,
 * `bench kv --servers ...,floor`): the least a Node.js server can do per SET while doing what
 * MerkleKV's design requires of every write, built from the same packages the node uses:
 *
 * - an HLC timestamp (`HybridClock` of @merklekv/storage);
 * - the version digest (`versionDigestInto` of @merklekv/merkle) and the Merkle tree's update
 *   (`MerkleTree.update`/`replace`), so the tree is current after every write;
 * - with a broker: each event-loop turn's writes published as one QoS 1 batch in the
 *   replication wire format (`encodeBatch`), through the node's MQTT adapter (`createMqttPubSub`).
 *
 * Everything else the node does is left out: no validation, no expiry, no memory accounting,
 * no outbox or replay buffer (a batch the broker refuses is only counted), no metrics, no
 * anti-entropy, records as plain objects in a `Map`. What this costs above the `Map` baseline is
 * the design's own price in this runtime; what the node costs above this is ours to cut.
 */
import { MerkleTree, versionDigestInto, DIGEST_BYTES } from '@merklekv/merkle';
import { createMqttPubSub, encodeBatch, type PubSub } from '@merklekv/replication';
import { HybridClock, type VersionedRecord } from '@merklekv/storage';
import { waitFor } from '@merklekv/test-support';
import type { KvBackend } from './baseline-server.js';

const NODE_ID = 'floor';

/** One key's version and its digest (a VersionedRecord, so a batch can carry it as it is). */
class Entry implements VersionedRecord {
  readonly node = NODE_ID;
  readonly deleted = false;
  readonly expireAt = 0;
  readonly digest = new Uint8Array(DIGEST_BYTES);
  constructor(
    public value: string,
    public ts: number,
  ) {}
}

/** Options of {@link floorBackend}. */
export interface FloorOptions {
  /** Publish every write through this broker; undefined or `none`: no replication. */
  readonly brokerUrl?: string | undefined;
  /** @default 'bench-floor-PID' */
  readonly topicPrefix?: string;
}

/** What the floor backend did, for its tests. */
export interface FloorBackend extends KvBackend {
  readonly tree: MerkleTree;
  /** The versions held, by key. */
  versions(): ReadonlyMap<string, VersionedRecord>;
  /** Batches acknowledged by the broker, and refused (or lost with the connection). */
  readonly published: () => { batches: number; events: number; failed: number };
  close(): Promise<void>;
}

/**
 * A backend that keeps a Merkle tree current and (with a broker) replicates every write; see the
 * file comment. Resolves once connected to the broker, if any.
 */
export async function floorBackend(opts: FloorOptions = {}): Promise<FloorBackend> {
  const clock = new HybridClock();
  const tree = new MerkleTree();
  const map = new Map<string, Entry>();
  const digest = new Uint8Array(DIGEST_BYTES);
  const replicate = opts.brokerUrl !== undefined && opts.brokerUrl !== 'none';
  const pubsub: PubSub | undefined = replicate ? createMqttPubSub({ brokerUrl: opts.brokerUrl as string, clientId: `floor-${process.pid}` }) : undefined;
  const topic = `${opts.topicPrefix ?? `bench-floor-${process.pid}`}/updates`;
  const counts = { batches: 0, events: 0, failed: 0 };
  let pending: { key: string; record: VersionedRecord }[] = [];
  let flushQueued = false;
  let inFlight = false;

  // A group commit: one batch awaits its PUBACK at a time; what is written meanwhile goes out
  // when it comes back (so a heavy load makes few, large batches), a lone write at the end of its turn.
  const flush = (): void => {
    flushQueued = false;
    if (inFlight || pending.length === 0) return;
    const events = pending;
    pending = [];
    inFlight = true;
    (pubsub as PubSub)
      .publish(topic, encodeBatch(NODE_ID, events), { qos: 1 })
      .then(
        () => {
          counts.batches++;
          counts.events += events.length;
        },
        (err: unknown) => {
          if (counts.failed++ === 0) process.stderr.write(`floor: a batch was not published (${String(err)}); counting the rest\n`);
        },
      )
      .finally(() => {
        inFlight = false;
        flush();
      });
  };

  if (pubsub !== undefined) await waitFor(`floor: a connection to the broker ${String(opts.brokerUrl)}`, () => pubsub.connected, { timeoutMs: 10_000, intervalMs: 10 });

  return {
    tree,
    versions: () => map,
    published: () => ({ ...counts }),
    get: (key) => map.get(key)?.value,
    set(key, value) {
      const held = map.get(key);
      const ts = clock.now();
      versionDigestInto(digest, key, value, ts, NODE_ID, false, 0);
      let entry: Entry;
      if (held === undefined) {
        entry = new Entry(value, ts);
        tree.update(key, null, digest);
        map.set(key, entry);
      } else {
        entry = held;
        tree.replace(key, held.digest, digest);
        held.value = value;
        held.ts = ts;
      }
      entry.digest.set(digest);
      if (pubsub === undefined) return;
      pending.push({ key, record: entry });
      if (!flushQueued && !inFlight) {
        flushQueued = true;
        setImmediate(flush);
      }
    },
    close: async () => {
      await pubsub?.close();
    },
  };
}
