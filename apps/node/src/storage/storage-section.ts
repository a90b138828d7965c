import type { Store } from '@merklekv/storage';
import type { StatsSection } from '../commands/context.js';

/** INFO's `# Storage` section: the engine and how its writes go. */
export function storageSection(store: Store): StatsSection {
  const w = store.engine.writeStatus?.();
  return [
    'Storage',
    {
      engine: store.engine.name,
      writes_failing: w?.failing ?? false,
      write_failures: w?.failures ?? 0,
      write_queue: w?.queued ?? 0,
      write_queue_limit: w?.queueLimit ?? 0,
      // One INFO line: an engine's message never breaks the framing.
      last_write_error: (w?.lastError ?? '').replace(/[\x00-\x1f\x7f]+/g, ' '),
    },
  ];
}

/** True while the engine's writes fail (`/ready` answers 503 then). */
export function storageFailing(store: Store): boolean {
  return store.engine.writeStatus?.().failing ?? false;
}
