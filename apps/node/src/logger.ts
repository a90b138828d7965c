import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { NodeConfig } from './config/index.js';

export type { Logger };

/**
 * The node's logger, as `[logging]` says: level, `json` or `text`, and a file
 * (created with its folders) instead of stdout when `file_path` is set.
 */
export function createLogger(config: NodeConfig): Logger {
  const { level, format, file_path: file } = config.logging;
  const destination = pino.destination({ dest: file ?? 1, mkdir: file !== undefined, sync: file === undefined });
  const base = { node_id: config.node_id };
  if (format === 'text') {
    return pino({ level, base }, pretty({ destination, colorize: false, sync: true, translateTime: 'SYS:standard', ignore: 'pid,hostname' }));
  }
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
