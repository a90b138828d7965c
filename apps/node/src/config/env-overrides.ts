import { ConfigError } from './errors.js';

const PREFIX = 'MERKLE_KV_';
const SECTIONS = ['anti_entropy', 'network', 'mqtt', 'storage', 'logging', 'admin', 'security', 'resp'] as const;
type Table = Record<string, unknown>;

/** The kind of value an option holds, so an environment string is read as the right type. */
export type OptionKind = 'string' | 'number' | 'boolean' | 'array' | 'string-or-list' | 'table';
/** Looks up an option's kind; `section` is '' for top-level keys. Undefined = no such option. */
export type OptionKinds = (section: string, key: string) => OptionKind | undefined;

/**
 * Applies `MERKLE_KV_<SECTION>_<KEY>` (and `MERKLE_KV_<KEY>` for top-level keys)
 * environment variables over the parsed file, e.g. `MERKLE_KV_NODE_ID`,
 * `MERKLE_KV_NETWORK_BIND_PORT`, `MERKLE_KV_ANTI_ENTROPY_PEER_LIST`. Values are
 * read by the option's kind: numbers, `true`/`false`, for lists a JSON array
 * or comma-separated items, and for tables (`[security.users]`) a JSON object;
 * an option that is a string or a list (`mqtt.broker_address`) is a list when
 * the value holds a comma or is a JSON array. The schema then validates the result like
 * any value from the file.
 *
 * @throws ConfigError for a variable that names no option, or a value of the wrong kind.
 */
export function applyEnvOverrides(raw: Table, env: NodeJS.ProcessEnv, kindOf: OptionKinds): Table {
  const out: Table = { ...raw };
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || value === undefined) continue;
    const path = name.slice(PREFIX.length).toLowerCase();
    const section = SECTIONS.find((s) => path.startsWith(`${s}_`)) ?? '';
    const key = section ? path.slice(section.length + 1) : path;
    const kind = kindOf(section, key);
    if (!kind) {
      throw new ConfigError(
        'INVALID_ENV',
        `${name} names no configuration option (expected MERKLE_KV_<SECTION>_<KEY>, e.g. MERKLE_KV_NETWORK_BIND_PORT)`,
      );
    }
    const parsed = coerce(name, value, kind);
    if (section) out[section] = { ...((out[section] as Table | undefined) ?? {}), [key]: parsed };
    else out[key] = parsed;
  }
  return out;
}

function coerce(name: string, value: string, kind: OptionKind): unknown {
  const bad = (what: string) => new ConfigError('INVALID_ENV', `${name}=${JSON.stringify(value)}: expected ${what}`);
  switch (kind) {
    case 'string':
      return value;
    case 'number':
      // Whole or fractional, as TOML allows; the schema says which options must be integers.
      if (!/^-?\d+(\.\d+)?$/.test(value.trim())) throw bad('a number');
      return Number(value);
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw bad('true or false');
      return value === 'true';
    case 'string-or-list':
      return value.includes(',') || value.trim().startsWith('[') ? coerce(name, value, 'array') : value;
    case 'array':
      if (value.trim().startsWith('[')) {
        try {
          return JSON.parse(value) as unknown;
        } catch (cause) {
          throw new ConfigError('INVALID_ENV', `${name}: not a JSON array: ${value}`, { cause });
        }
      }
      return value.trim() === '' ? [] : value.split(',').map((s) => s.trim());
    case 'table': {
      let table: unknown;
      try {
        table = JSON.parse(value) as unknown;
      } catch (cause) {
        throw new ConfigError('INVALID_ENV', `${name}: not a JSON object: ${value}`, { cause });
      }
      if (typeof table !== 'object' || table === null || Array.isArray(table)) throw bad('a JSON object, e.g. {"alice":{"password":"...","role":"read"}}');
      return table;
    }
  }
}
