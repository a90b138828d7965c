import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/index.js';
import { createLogger } from './logger.js';
import { watchLauncher } from './launcher/watch-launcher.js';
import { startNode } from './node.js';

const USAGE =
  'usage: merklekv-node [--config FILE] [--stop-with-launcher]\n' +
  '  --config FILE          TOML configuration (none: 127.0.0.1:7878 with an embedded MQTT broker)\n' +
  '  --stop-with-launcher   stop gracefully when a process above this one exits (what `nx serve node` uses)';

/** Exit codes: 0 clean stop, 1 cannot start (bad config, port taken, ...) or stopped uncleanly (unsaved changes), 2 bad command line. */
async function main(): Promise<number> {
  let file: string | undefined;
  let stopWithLauncher = false;
  try {
    const { values } = parseArgs({
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' }, 'stop-with-launcher': { type: 'boolean' } },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    file = values.config;
    stopWithLauncher = values['stop-with-launcher'] === true;
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
  // Installed before the listeners open: a SIGHUP that arrives while the node is still starting
  // (its client port may already accept) is answered with a log line, not the default action (exit).
  const started: { node?: Awaited<ReturnType<typeof startNode>> } = {};
  process.on('SIGHUP', () => {
    const running = started.node;
    if (running === undefined) {
      logger.warn('reload ignored: the node is still starting; send SIGHUP again once it logs "listening"');
      return;
    }
    try {
      running.reload();
    } catch (err) {
      if (err instanceof ConfigError) logger.error({ reason: err.message }, 'reload refused: the running configuration is kept');
      else logger.error({ err }, 'reload refused: the running configuration is kept');
    }
  });
  let node;
  try {
    node = await startNode(config, logger, { loadConfig: () => loadConfig(file, process.env) });
  } catch (err) {
    // A port in use, a missing file, ...: the one clear line on stderr says it all (and the log file, if any,
    // gets the same line). A bug keeps its stack.
    if (isOrdinaryStartFailure(err)) {
      if (config.logging.file_path !== undefined) logger.error({ reason: (err as Error).message }, 'cannot start');
    } else {
      logger.fatal({ err }, 'cannot start');
    }
    process.stderr.write(`merklekv: cannot start: ${(err as Error).message}\n`);
    logger.flush();
    return 1;
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void node.stop(signal));
  if (stopWithLauncher) {
    const unwatch = watchLauncher((detail) => {
      logger.info({ detail }, 'the launcher has exited: stopping');
      void node.stop('launcher exited');
    });
    void node.stopped.then(unwatch);
  }
  started.node = node;
  const outcome = await node.stopped;
  logger.flush();
  // A part that failed to close (e.g. changes the storage engine could not take) was logged by the node.
  return outcome.clean ? 0 : 1;
}

/** Errors a user causes and can fix (a port in use, a file missing, ...) as opposed to faults in the code. */
function isOrdinaryStartFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) return false;
  return true;
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
