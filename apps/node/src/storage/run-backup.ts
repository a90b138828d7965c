import { createBackup, LmdbEngine, snapshotRecords } from '@merklekv/storage';
import type { BackupResult, Store } from '@merklekv/storage';
import type { StoragePlan } from './create-engine.js';

/**
 * Makes one backup of the node's replica into `data_dir/backups`: the lmdb engine copies its
 * file; other engines write the store's records, taken at one instant, into a new lmdb file.
 * Concurrent calls share the backup in progress.
 */
export function backupRunner(store: Store, plan: StoragePlan, keep: number): () => Promise<BackupResult> {
  let running: Promise<BackupResult> | undefined;
  return () => {
    running ??= (async () => {
      try {
        const engine = store.engine;
        const write = engine instanceof LmdbEngine ? (file: string) => engine.backup(file) : snapshotRecords([...store.versions()]);
        return await createBackup({ backupsDir: plan.backupsDir, write, keep });
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
}
