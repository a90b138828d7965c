/**
 * Backups: consistent snapshots in `<data_dir>/backups/backup-<UTC time>/`, each folder a valid
 * data_dir of the lmdb engine (it holds one `merklekv.mdb`), the newest `keep` kept.
 *
 * A snapshot is written into a `.tmp-` folder and renamed when complete, so a crash mid-backup
 * never leaves a folder that looks like a backup. Restoring = starting an lmdb node whose
 * data_dir is a copy of a backup folder.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError, StorageErrorCode } from '../errors.js';
import type { VersionedRecord } from '../record.js';
import { LMDB_FILE_NAME, LmdbEngine } from './lmdb-engine.js';

/** Writes a snapshot as an lmdb file at the given path. */
export type SnapshotWriter = (file: string) => Promise<void>;

/** Options of {@link createBackup}. */
export interface BackupOptions {
  /** The folder of backups, `<data_dir>/backups`; created if missing. */
  readonly backupsDir: string;
  /** Writes the snapshot file ({@link LmdbEngine.backup} or {@link snapshotRecords}). */
  readonly write: SnapshotWriter;
  /** Backups kept, this one included; older ones are deleted. @default 7 */
  readonly keep?: number;
  /** The clock naming the folder. @default () => new Date() */
  readonly now?: () => Date;
}

/** What {@link createBackup} made. */
export interface BackupResult {
  /** The backup folder (a data_dir to restore from). */
  readonly path: string;
  /** Size of the snapshot file. */
  readonly bytes: number;
  readonly ms: number;
  /** Older backup folders deleted to keep `keep`. */
  readonly pruned: readonly string[];
}

const PREFIX = 'backup-';

/**
 * Makes one backup and prunes old ones.
 * @throws StorageError ENGINE_FAILED (with the cause) if the snapshot cannot be written
 */
export async function createBackup(opts: BackupOptions): Promise<BackupResult> {
  const started = performance.now();
  const keep = opts.keep ?? 7;
  if (!Number.isInteger(keep) || keep < 1) throw new StorageError(StorageErrorCode.INVALID_ARGUMENT, `backup keep must be a positive integer, got ${keep}`);
  await mkdir(opts.backupsDir, { recursive: true });
  const name = await freeName(opts.backupsDir, (opts.now ?? (() => new Date()))());
  const tmp = join(opts.backupsDir, `.tmp-${name}`);
  const final = join(opts.backupsDir, name);
  try {
    await mkdir(tmp, { recursive: true });
    await opts.write(join(tmp, LMDB_FILE_NAME));
    // A backup folder holds only the data file: the lock file (if the copy made one) is not data.
    await rm(join(tmp, `${LMDB_FILE_NAME}-lock`), { force: true });
    await rename(tmp, final);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (err instanceof StorageError) throw err;
    throw new StorageError(StorageErrorCode.ENGINE_FAILED, `backup into ${final} failed: ${(err as Error).message}`, { cause: err });
  }
  const bytes = (await stat(join(final, LMDB_FILE_NAME))).size;
  const pruned = await pruneBackups(opts.backupsDir, keep);
  return { path: final, bytes, ms: performance.now() - started, pruned };
}

/** The backup folders in `backupsDir`, oldest first (their names sort by time). */
export async function listBackups(backupsDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(backupsDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => n.startsWith(PREFIX)).sort().map((n) => join(backupsDir, n));
}

/** Deletes all but the newest `keep` backups; returns the deleted folders. */
export async function pruneBackups(backupsDir: string, keep: number): Promise<string[]> {
  const all = await listBackups(backupsDir);
  const old = all.slice(0, Math.max(0, all.length - keep));
  for (const dir of old) await rm(dir, { recursive: true, force: true });
  return old;
}

/**
 * A {@link SnapshotWriter} for engines that cannot copy themselves (memory, redis): writes
 * `records` — take them synchronously from the Store, e.g. `[...store.versions()]`, which is a
 * consistent instant since records are immutable — into a new lmdb file.
 */
export function snapshotRecords(records: ReadonlyArray<readonly [string, VersionedRecord]>): SnapshotWriter {
  return async (file) => {
    const engine = new LmdbEngine({ path: file, sync: 'batch' });
    await engine.open();
    try {
      for (const [key, record] of records) engine.put(key, record);
      await engine.flush();
    } finally {
      await engine.close();
    }
  };
}

/** `backup-20250101T120000123Z`, with `-2`, `-3`... if that name is taken. */
async function freeName(dir: string, at: Date): Promise<string> {
  const base = `${PREFIX}${at.toISOString().replace(/[-:.]/g, '')}`;
  const taken = new Set(await readdir(dir));
  let name = base;
  for (let i = 2; taken.has(name) || taken.has(`.tmp-${name}`); i++) name = `${base}-${i}`;
  return name;
}
