import { childSummaries, subtreeEntries, subtreeKeys } from '@merklekv/merkle';
import type { TreePath } from '@merklekv/merkle';
import { decodeGetvLine, decodeStamp, decodeVersionLine, encodeCommand, encodeStamp, encodeVersion, parseCommandLine } from '@merklekv/protocol';
import type { Command, WireVersion } from '@merklekv/protocol';
import type { Store } from '@merklekv/storage';
import type { TreeClient, WireVersionLike } from '../tcp-peer.js';

/**
 * A protocol-2 {@link TreeClient} over a Store in this process that puts every version through
 * the wire's text: each GETV, RECORDS, STAMPS, PUTV and PUTVS request is encoded and parsed
 * back, and each version or stamp in a reply is written as the node writes it and read as the
 * client reads it. A field the wire forms drop (an expiry, say) is dropped here too, so
 * {@link connectTcpPeer} over it behaves as against a real node, without sockets.
 */
export class WireClient implements TreeClient {
  bytesRead = 0;
  bytesWritten = 0;

  constructor(private readonly store: Store) {}

  /** The request as the peer parses it, after encoding it. */
  private send<C extends Command>(cmd: C): C {
    const line = encodeCommand(cmd);
    this.bytesWritten += line.length;
    return parseCommandLine(line.slice(0, -2)) as C;
  }

  /** Reply lines as the client reads them. */
  private receive<T>(lines: string[], decode: (line: string) => T): T[] {
    for (const line of lines) this.bytesRead += line.length + 2;
    return lines.map(decode);
  }

  private versionLine(key: string): string | undefined {
    const r = this.store.getVersion(key);
    return r === undefined ? undefined : encodeVersion({ key, ts: r.ts, node: r.node, deleted: r.deleted, value: r.value, expireAt: r.expireAt ?? 0 });
  }

  private merge(v: WireVersion): boolean {
    return this.store.merge(v.key, { value: v.value, ts: v.ts, node: v.node, deleted: v.deleted, expireAt: v.expireAt ?? 0 }) === 'applied';
  }

  async hash() {
    const t = this.store.tree;
    return { root: t.rootHex(), count: t.size, shape: t.shape.id };
  }

  async tree(path: TreePath) {
    return this.store.tree.childHashes(path).map((h) => Buffer.from(h).toString('hex'));
  }

  async leaf(path: TreePath) {
    return { entries: this.store.leafEntries(path) };
  }

  async getv(keys: readonly string[]) {
    const { keys: asked } = this.send({ type: 'GETV', keys });
    const lines = asked.map((key) => this.versionLine(key) ?? `${key} -`);
    return this.receive(lines, (line) => decodeGetvLine(line).version);
  }

  async putv(version: WireVersionLike): Promise<'APPLIED' | 'STALE'> {
    const { version: v } = this.send({ type: 'PUTV', version });
    return this.merge(v) ? 'APPLIED' : 'STALE';
  }

  async close() {}

  async peerv(v: number) {
    return Math.min(this.send({ type: 'PEERV', version: v }).version, 2);
  }

  async trees(width: number, paths: readonly TreePath[]) {
    return paths.map((p) => childSummaries(this.store.tree, p, width));
  }

  async entries(width: number, paths: readonly TreePath[]) {
    return paths.flatMap((p) => subtreeEntries(this.store.tree, (k) => this.store.digestOf(k), p, width));
  }

  async records(paths: readonly TreePath[]) {
    const { paths: asked } = this.send({ type: 'RECORDS', paths });
    const lines = asked.flatMap((p) => subtreeKeys(this.store.tree, p).flatMap((key) => this.versionLine(key) ?? []));
    return this.receive(lines, decodeVersionLine);
  }

  async stamps(paths: readonly TreePath[]) {
    const { paths: asked } = this.send({ type: 'STAMPS', paths });
    const lines = asked.flatMap((p) =>
      subtreeKeys(this.store.tree, p).flatMap((key) => {
        const r = this.store.getVersion(key);
        return r === undefined ? [] : [encodeStamp({ key, ts: r.ts, node: r.node, deleted: r.deleted, expireAt: r.expireAt ?? 0 })];
      }),
    );
    return this.receive(lines, decodeStamp);
  }

  async putvs(versions: readonly WireVersionLike[]) {
    const { versions: got } = this.send({ type: 'PUTVS', versions });
    let applied = 0;
    for (const v of got) if (this.merge(v)) applied += 1;
    return { applied, stale: got.length - applied };
  }
}
