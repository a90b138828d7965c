import { readFileSync } from 'node:fs';
import toml from 'toml';
import { z } from 'zod';
import { applyEnvOverrides, type OptionKind } from './env-overrides.js';
import { ConfigError } from './errors.js';
import { configSchema, type NodeConfig } from './schema.js';

/**
 * What a node runs with when no file is given (`npx nx serve node`):
 * 127.0.0.1:7878 and an embedded MQTT broker, so nothing else is needed.
 */
export const BUILT_IN_DEFAULTS = {
  node_id: 'merklekv-local',
  mqtt: { broker_address: 'embedded' },
} as const;

/**
 * Reads, overrides and validates a configuration.
 *
 * @param file a TOML file, or undefined for the built-in defaults
 * @param env environment variables (`MERKLE_KV_*` override the file)
 * @throws ConfigError naming the option and the problem
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = {}): NodeConfig {
  const raw = file === undefined ? structuredClone(BUILT_IN_DEFAULTS) : readToml(file);
  const merged = applyEnvOverrides(raw as Record<string, unknown>, env, optionKind);
  return validateConfig(merged, file ?? 'built-in defaults');
}

/** Validates an already-parsed configuration object. @throws ConfigError */
export function validateConfig(raw: unknown, source = 'configuration'): NodeConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(issue));
  throw new ConfigError('INVALID_OPTION', `Invalid configuration (${source}):\n  - ${problems.join('\n  - ')}`);
}

function readToml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError('FILE_UNREADABLE', `Cannot read config file ${file}: ${(cause as Error).message}`, { cause });
  }
  try {
    return toml.parse(text) as Record<string, unknown>;
  } catch (cause) {
    const e = cause as { line?: number; column?: number; location?: { start?: { line: number; column: number } }; message: string };
    const line = e.line ?? e.location?.start?.line;
    const column = e.column ?? e.location?.start?.column;
    const where = line ? ` at line ${line}, column ${column ?? '?'}` : '';
    throw new ConfigError('TOML_SYNTAX', `Config file ${file} is not valid TOML${where}: ${e.message}`, { cause });
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = (keys: readonly PropertyKey[]) => keys.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const parent = at(issue.path);
    return issue.keys.map((k) => `${parent ? `${parent}.` : ''}${k}: unknown option`).join('\n  - ');
  }
  return `${at(issue.path) || '(root)'}: ${issue.message}`;
}

/** The kind of each option, read off the schema, for environment overrides. */
function optionKind(section: string, key: string): OptionKind | undefined {
  const shape = configSchema.shape as Record<string, z.ZodType>;
  const table = section ? unwrap(shape[section]) : configSchema;
  if (!(table instanceof z.ZodObject)) return undefined;
  const field = unwrap((table.shape as Record<string, z.ZodType>)[key]);
  if (!field || field instanceof z.ZodObject) return undefined;
  if (field instanceof z.ZodNumber) return 'number';
  if (field instanceof z.ZodBoolean) return 'boolean';
  if (field instanceof z.ZodArray) return 'array';
  if (field instanceof z.ZodRecord) return 'table';
  if (field instanceof z.ZodUnion && field.options.some((o) => o instanceof z.ZodArray)) return 'string-or-list';
  return 'string';
}

function unwrap(t: z.ZodType | undefined): z.ZodType | undefined {
  let cur = t;
  while (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
  return cur;
}
