import type { StorageEngine } from '../engine.js';
import type { VersionedRecord } from '../record.js';

/**
 * A test engine that "persists" into a Map shared per location (a stand-in for a disk), so Store
 * load/restart paths and the persistent half of the engine contract can run without real storage.
 * Counts its calls so tests can check what the store wrote.
 */
export class MapEngine implements StorageEngine {
  static readonly disks = new Map<string, Map<string, VersionedRecord>>();
  readonly name = 'map';
  readonly calls = { put: 0, remove: 0, clear: 0 };
  private readonly disk: Map<string, VersionedRecord>;

  constructor(location = 'default') {
    let disk = MapEngine.disks.get(location);
    if (disk === undefined) MapEngine.disks.set(location, (disk = new Map()));
    this.disk = disk;
  }

  async open(): Promise<void> {}

  async *load(): AsyncIterable<readonly [string, VersionedRecord]> {
    for (const entry of [...this.disk]) yield entry;
  }

  put(key: string, record: VersionedRecord): void {
    this.calls.put++;
    this.disk.set(key, { value: record.value, ts: record.ts, node: record.node, deleted: record.deleted, expireAt: record.expireAt ?? 0 });
  }

  remove(key: string): void {
    this.calls.remove++;
    this.disk.delete(key);
  }

  clear(): void {
    this.calls.clear++;
    this.disk.clear();
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}
