import type { NodeConfig } from './config/index.js';

/**
 * Options a running node applies on a reload (SIGHUP, `POST /reload` on the
 * admin listener). Every other option needs a restart: a reload that changes
 * one says so, by name, and leaves the running value in place.
 */
export const RELOADABLE = new Set([
  'logging.level',
  'network.max_connections',
  'network.connection_timeout',
  'network.max_line_bytes',
  'anti_entropy.peer_list',
  'anti_entropy.interval_seconds',
  'anti_entropy.peer_discovery_interval',
  'anti_entropy.max_concurrent_syncs',
  'storage.memory_limit_mb',
]);

/** What a reload did. */
export interface ReloadReport {
  /** Options now in effect with their new values. */
  readonly applied: readonly string[];
  /** Options that changed in the file but keep their running value until a restart. */
  readonly restartRequired: readonly string[];
}

/** The dotted names of the options whose values differ between two configurations. */
export function changedOptions(before: NodeConfig, after: NodeConfig): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((name) => a.get(name) !== b.get(name)).sort();
}

/**
 * Splits the changes into those a reload applies and those that need a
 * restart, and builds the configuration the node runs with from now on: the
 * new values of the reloadable options over the running ones.
 */
export function planReload(running: NodeConfig, next: NodeConfig): { config: NodeConfig; report: ReloadReport } {
  const changed = changedOptions(running, next);
  const applied = changed.filter((name) => RELOADABLE.has(name));
  const restartRequired = changed.filter((name) => !RELOADABLE.has(name));
  const config = structuredClone(running) as unknown as Record<string, Record<string, unknown>>;
  for (const name of applied) {
    const [section, key] = name.split('.') as [string, string];
    const table = config[section] ?? (config[section] = {});
    table[key] = (next as unknown as Record<string, Record<string, unknown>>)[section]?.[key];
  }
  return { config: config as unknown as NodeConfig, report: { applied, restartRequired } };
}

function flatten(config: NodeConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(config)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value as Record<string, unknown>)) out.set(`${key}.${inner}`, JSON.stringify(v));
    } else {
      out.set(key, JSON.stringify(value));
    }
  }
  return out;
}
