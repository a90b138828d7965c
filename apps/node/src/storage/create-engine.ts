/**
 * Chooses the storage engine from `[storage]`: `engine` if set, else lmdb when
 * `persistence_enabled`, else memory. The lmdb file and the backups live in `data_dir`
 * (default `./data/<node_id>`); the redis engine keeps the node under `merklekv:<node_id>:`.
 */
import { join, resolve } from 'node:path';
import { LMDB_FILE_NAME, LmdbEngine, MemoryEngine, RedisEngine } from '@merklekv/storage';
import type { StorageEngine } from '@merklekv/storage';
import type { NodeConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { logWriteStatus } from './write-status-log.js';

/** The engine kinds `[storage] engine` names. */
export type EngineKind = 'memory' | 'lmdb' | 'redis';

/** Where and how a node keeps its replica, resolved from the config. */
export interface StoragePlan {
  readonly kind: EngineKind;
  /** Absolute data_dir (the lmdb file and `backups/`). */
  readonly dataDir: string;
  readonly backupsDir: string;
  /** True when a write is answered only once durable (`sync = "always"` on a persistent engine). */
  readonly durableWrites: boolean;
}

/** Resolves `[storage]` into a {@link StoragePlan}. */
export function storagePlan(config: NodeConfig): StoragePlan {
  const s = config.storage;
  const kind: EngineKind = s.engine ?? (s.persistence_enabled ? 'lmdb' : 'memory');
  const dataDir = resolve(s.data_dir ?? join('data', config.node_id));
  return { kind, dataDir, backupsDir: join(dataDir, 'backups'), durableWrites: kind !== 'memory' && s.sync === 'always' };
}

/** Creates (does not open) the engine `[storage]` asks for. */
export function createEngine(config: NodeConfig, logger: Logger): StorageEngine {
  const plan = storagePlan(config);
  switch (plan.kind) {
    case 'memory':
      logger.info({ engine: 'memory' }, 'storage engine');
      return new MemoryEngine();
    case 'lmdb': {
      const path = join(plan.dataDir, LMDB_FILE_NAME);
      logger.info({ engine: 'lmdb', path, sync: config.storage.sync }, 'storage engine');
      return new LmdbEngine({ path, sync: config.storage.sync, writeQueueLimit: config.storage.write_queue_limit, onWriteStatus: logWriteStatus(logger) });
    }
    case 'redis': {
      const prefix = `merklekv:${config.node_id}:`;
      // The password part of a URL never goes to the log.
      logger.info({ engine: 'redis', url: redactUrl(config.storage.redis_url), prefix }, 'storage engine');
      return new RedisEngine({ url: config.storage.redis_url, prefix, writeQueueLimit: config.storage.write_queue_limit, onWriteStatus: logWriteStatus(logger) });
    }
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
