export { loadConfig, validateConfig, BUILT_IN_DEFAULTS } from './load-config.js';
export { ConfigError, ConfigErrorCode } from './errors.js';
export type { NodeConfig } from './schema.js';
