import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/index.js';
import { createLogger } from './logger.js';
import { startNode } from './node.js';

const USAGE = 'usage: merklekv-node [--config FILE]   (no file: 127.0.0.1:7878 with an embedded MQTT broker)';

/** Exit codes: 0 clean stop, 1 cannot start (bad config, port taken, ...) or stopped uncleanly (unsaved changes), 2 bad command line. */
async function main(): Promise<number> {
  let file: string | undefined;
  try {
    const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    file = values.config;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }

  let config;
  try {
    config = loadConfig(file, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`merklekv: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  const logger = createLogger(config);
  let node;
  try {
    node = await startNode(config, logger, { loadConfig: () => loadConfig(file, process.env) });
  } catch (err) {
    logger.fatal({ err }, 'cannot start');
    process.stderr.write(`merklekv: cannot start: ${(err as Error).message}\n`);
    logger.flush();
    return 1;
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void node.stop(signal));
  const running = node;
  process.on('SIGHUP', () => {
    try {
      running.reload();
    } catch (err) {
      logger.error({ err: err instanceof ConfigError ? err.message : err }, 'reload refused: the running configuration is kept');
    }
  });
  const outcome = await node.stopped;
  logger.flush();
  // A part that failed to close (e.g. changes the storage engine could not take) was logged by the node.
  return outcome.clean ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Anything still scheduled (timers of a stopped subsystem) must not keep a stopped node alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    process.stderr.write(`merklekv: fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
