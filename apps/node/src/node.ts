import { Store } from '@merklekv/storage';
import { AdminServer } from './admin/admin-server.js';
import { NodeMetrics } from './admin/metrics.js';
import type { NodeContext, StatsSection } from './commands/context.js';
import { portError, startCluster } from './cluster.js';
import { withAccess } from './commands/access.js';
import { createDispatcher } from './commands/dispatch.js';
import type { NodeConfig } from './config/index.js';
import type { Logger } from './logger.js';
import { planReload, type ReloadReport } from './reload.js';
import { startRespListener, type RespListener } from './resp/resp-listener.js';
import { TcpServer } from './server/tcp-server.js';
import { loadServerTls } from './server/tls.js';
import { startBackupScheduler } from './storage/backup-scheduler.js';
import { ExpirySweeper } from './storage/expiry-sweeper.js';
import { createEngine, storagePlan } from './storage/create-engine.js';
import { startClusterStatus } from './status/cluster-status.js';
import { backupRunner } from './storage/run-backup.js';
import { storageFailing, storageSection } from './storage/storage-section.js';
import { ClockSkewMonitor } from './clock-skew.js';
import { DisposalStack } from './lifecycle/disposal-stack.js';

/** A started node. */
export interface RunningNode {
  readonly host: string;
  readonly port: number;
  /** The RESP listener's port, when `[resp] enabled`. */
  readonly respPort?: number;
  readonly store: Store;
  /**
   * Stops gracefully: stop accepting, answer what is in flight, close everything. Idempotent;
   * never rejects: a part that fails to close is logged and makes the outcome unclean.
   */
  stop(reason?: string): Promise<StopOutcome>;
  /** Settles once the node has stopped, whoever stopped it (SHUTDOWN, a signal, stop()). */
  readonly stopped: Promise<StopOutcome>;
  /**
   * Re-reads the configuration (SIGHUP): applies what can change while running
   * and reports, by name, what needs a restart.
   * @throws ConfigError when the new configuration is invalid (nothing changes then)
   */
  reload(): ReloadReport;
}

/** How a stop went: `clean` is false when a part failed to close (e.g. changes the engine could not take). */
export interface StopOutcome {
  readonly clean: boolean;
}

export interface StartOptions {
  /** Reads the configuration again, for reloads. @default a reload is refused */
  readonly loadConfig?: () => NodeConfig;
}

/**
 * Composes a node from its parts and starts it: storage (loaded, tree built
 * once), replication and anti-entropy, then the client listener. Resolves once the port accepts connections.
 *
 * Every resource joins one {@link DisposalStack} the moment it exists; stopping the node, or a
 * start that fails part-way, disposes of that stack (last started, first stopped).
 */
export async function startNode(config: NodeConfig, logger: Logger, options: StartOptions = {}): Promise<RunningNode> {
  const stack = new DisposalStack();
  try {
    return await composeNode(config, logger, options, stack);
  } catch (err) {
    const failures = await stack.disposeAll();
    for (const f of failures) logger.error({ err: f.error, resource: f.name }, 'could not release a resource after a failed start');
    throw err;
  }
}

async function composeNode(config: NodeConfig, logger: Logger, options: StartOptions, stack: DisposalStack): Promise<RunningNode> {
  let running = config;
  const startedAt = Date.now();
  // Read first: a missing certificate stops the start before anything else runs.
  const tls = loadServerTls(config.network);
  const skew = new ClockSkewMonitor(logger.child({ component: 'clock' }));
  const store = new Store({
    nodeId: config.node_id,
    engine: createEngine(config, logger),
    ...(config.storage.memory_limit_mb ? { memoryLimitBytes: config.storage.memory_limit_mb * 1024 * 1024 } : {}),
    onClockSkew: skew.observe,
  });
  stack.use('storage', store, (s) => s.close());
  const loaded = await store.load();
  logger.info({ records: loaded.records, ms: Math.round(loaded.ms * 10) / 10 }, 'storage loaded');
  const storage = storagePlan(config);
  const backup = backupRunner(store, storage, config.storage.backup_keep);
  stack.use(
    'backups',
    startBackupScheduler({ intervalHours: storage.kind === 'memory' ? 0 : config.storage.backup_interval_hours, run: backup, logger }),
    (b) => b.stop(),
  );
  const sweeper = stack.use(
    'expiry sweeper',
    new ExpirySweeper({ store, intervalMs: config.storage.expiry_sweep_interval_ms, logger: logger.child({ component: 'expiry' }) }),
    (s) => s.stop(),
  );
  sweeper.start();

  const cluster = await startCluster(() => running, store, { host: config.network.bind_address, port: config.network.bind_port }, logger, stack);
  const sections: Array<() => StatsSection> = [];
  let stop: (reason?: string) => Promise<StopOutcome> = async () => ({ clean: true });
  const ctx: NodeContext = {
    config,
    store,
    startedAt,
    counters: { calls: {}, errors: {}, protocolErrors: 0 },
    sections: () => sections.map((section) => section()),
    syncNow: (peer) => cluster.syncNow(peer),
    shutdown: () => setImmediate(() => void stop('SHUTDOWN command')),
    backup,
    durableWrites: storage.durableWrites,
    logger,
  };

  const metrics: NodeMetrics = new NodeMetrics({
    counters: ctx.counters,
    store,
    skewEvents: () => skew.events,
    // Read at scrape time only, once the listener below exists.
    server: () => ({ connections: listener.connectionCount, counters: listener.counters }),
    replication: () => cluster.replicationStats(),
    antiEntropy: () => cluster.antiEntropyStats(),
    expiry: () => sweeper.stats,
  });
  let address: { host: string; port: number } | undefined = undefined;
  const status = stack.use(
    'status sampler',
    startClusterStatus({
      config: () => running,
      store,
      cluster,
      metrics,
      counters: ctx.counters,
      // The configured port until the listener has its real one (bind_port = 0).
      selfAddress: () => (address === undefined ? cluster.selfAddress : cluster.selfAddress.replace(/\d+$/, String(address.port))),
      logger,
    }),
    (s) => s.stop(),
  );
  const access = withAccess(createDispatcher(ctx, metrics.latency), config.security, logger.child({ component: 'security' }));
  const listener: TcpServer = new TcpServer({
    host: config.network.bind_address,
    port: config.network.bind_port,
    maxConnections: config.network.max_connections,
    idleTimeoutMs: config.network.connection_timeout * 1000,
    maxLineBytes: config.network.max_line_bytes,
    execute: access.execute,
    logger,
    tls,
  });
  sections.push(() => [
    'Connections',
    {
      connected_clients: listener.connectionCount,
      total_connections: listener.counters.accepted,
      rejected_connections: listener.counters.rejected,
      timed_out_connections: listener.counters.timedOut,
      tls: tls !== undefined,
      tls_rejected_connections: listener.counters.tlsRejected,
    },
  ]);
  sections.push(() => {
    const s = sweeper.stats;
    return [
      'Expiry',
      {
        keys_with_expiry: store.keysWithExpiry,
        expired_keys_total: store.expiredTotal,
        expiry_sweeps: s.sweeps,
        expiry_sweep_ms_total: Math.round(s.sweepMs * 1000) / 1000,
        expiry_sweep_max_step_ms: Math.round(s.maxStepMs * 1000) / 1000,
        expiry_sweep_failures: s.failures,
      },
    ];
  });
  sections.push(access.section);
  sections.push(...cluster.sections);
  sections.push(status.section);
  sections.push(() => storageSection(store));
  sections.push(() => skew.section(store.clockSkewMaxMs));
  if (config.admin.port !== undefined) {
    const admin = new AdminServer({
      host: config.admin.bind_address,
      port: config.admin.port,
      metrics,
      ready: () => listener.listening && cluster.ready() && !storageFailing(store),
      reload: () => reload(),
      logger,
      status: status.routes,
    });
    const at = await admin.listen();
    stack.use('admin listener', admin, (a) => a.close());
    logger.info({ address: at.host, port: at.port }, 'admin listening');
  }
  address = await listener.listen().catch((err: unknown) => {
    throw portError(err, `cannot listen on ${config.network.bind_address}:${config.network.bind_port}`, '[network] bind_port');
  });
  stack.use('client listener', listener, (l) => l.close());
  // The RESP port ([resp], docs/RESP.md): the same context, access gate, TLS and limits as the text port.
  let resp: RespListener | undefined;
  if (config.resp.enabled) {
    const at = `${config.resp.bind_address ?? config.network.bind_address}:${config.resp.bind_port}`;
    resp = await startRespListener({ node: ctx, gate: access, logger, tls, latency: metrics.latency }).catch((err: unknown) => {
      throw portError(err, `cannot listen on ${at} (RESP)`, '[resp] bind_port');
    });
    stack.use('RESP listener', resp, (r) => r.close());
    sections.push(resp.section);
  }
  logger.info({ address: address.host, port: address.port, pid: process.pid, startup_ms: Date.now() - startedAt }, 'listening');

  let resolveStopped: (outcome: StopOutcome) => void = () => undefined;
  const stopped = new Promise<StopOutcome>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<StopOutcome> | undefined;
  stop = (reason = 'requested') => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      const failures = await stack.disposeAll();
      for (const f of failures) logger.error({ resource: f.name, err: errorText(f.error) }, `stopped, but ${f.name} failed to close: ${errorText(f.error)}`);
      if (failures.length === 0) logger.info('stopped');
      const outcome = { clean: failures.length === 0 };
      resolveStopped(outcome);
      return outcome;
    })();
    return stopping;
  };
  function reload(): ReloadReport {
    if (!options.loadConfig) throw new Error('this node was started without a configuration source to reload from');
    const { config: next, report } = planReload(running, options.loadConfig());
    running = next;
    logger.level = next.logging.level;
    const limits = {
      maxConnections: next.network.max_connections,
      idleTimeoutMs: next.network.connection_timeout * 1000,
      maxLineBytes: next.network.max_line_bytes,
    };
    listener.setLimits(limits);
    resp?.setLimits(limits);
    store.memoryLimitBytes = next.storage.memory_limit_mb ? next.storage.memory_limit_mb * 1024 * 1024 : Number.POSITIVE_INFINITY;
    logger.info({ applied: report.applied, restart_required: report.restartRequired }, 'configuration reloaded');
    if (report.restartRequired.length > 0) {
      logger.warn({ options: report.restartRequired }, 'changed options keep their running value until a restart');
    }
    return report;
  }

  return { host: address.host, port: address.port, ...(resp ? { respPort: resp.port } : {}), store, stop: (reason) => stop(reason), stopped, reload };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
