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

/** A started node. */
export interface RunningNode {
  readonly host: string;
  readonly port: number;
  /** The RESP listener's port, when `[resp] enabled`. */
  readonly respPort?: number;
  readonly store: Store;
  /** Stops gracefully: stop accepting, answer what is in flight, close everything. Idempotent. */
  stop(reason?: string): Promise<void>;
  /** Settles once the node has stopped, whoever stopped it (SHUTDOWN, a signal, stop()). */
  readonly stopped: Promise<void>;
  /**
   * Re-reads the configuration (SIGHUP): applies what can change while running
   * and reports, by name, what needs a restart.
   * @throws ConfigError when the new configuration is invalid (nothing changes then)
   */
  reload(): ReloadReport;
}

export interface StartOptions {
  /** Reads the configuration again, for reloads. @default a reload is refused */
  readonly loadConfig?: () => NodeConfig;
}

/**
 * Composes a node from its parts and starts it: storage (loaded, tree built
 * once), replication and anti-entropy, then the client listener. Resolves once the port accepts connections.
 */
export async function startNode(config: NodeConfig, logger: Logger, options: StartOptions = {}): Promise<RunningNode> {
  let running = config;
  const startedAt = Date.now();
  // Read first: a missing certificate stops the start before anything else runs.
  const tls = loadServerTls(config.network);
  const store = new Store({
    nodeId: config.node_id,
    engine: createEngine(config, logger),
    ...(config.storage.memory_limit_mb ? { memoryLimitBytes: config.storage.memory_limit_mb * 1024 * 1024 } : {}),
  });
  const loaded = await store.load();
  logger.info({ records: loaded.records, ms: Math.round(loaded.ms * 10) / 10 }, 'storage loaded');
  const storage = storagePlan(config);
  const backup = backupRunner(store, storage, config.storage.backup_keep);
  const backups = startBackupScheduler({
    intervalHours: storage.kind === 'memory' ? 0 : config.storage.backup_interval_hours,
    run: backup,
    logger,
  });

  const sweeper = new ExpirySweeper({ store, intervalMs: config.storage.expiry_sweep_interval_ms, logger: logger.child({ component: 'expiry' }) });
  sweeper.start();

  const cluster = await startCluster(() => running, store, { host: config.network.bind_address, port: config.network.bind_port }, logger).catch(
    async (err: unknown) => {
      sweeper.stop();
      backups.stop();
      await store.close();
      throw err;
    },
  );
  const sections: Array<() => StatsSection> = [];
  let stop: (reason?: string) => Promise<void> = async () => undefined;
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
  };

  const metrics: NodeMetrics = new NodeMetrics({
    counters: ctx.counters,
    store,
    // Read at scrape time only, once the listener below exists.
    server: () => ({ connections: listener.connectionCount, counters: listener.counters }),
    replication: () => cluster.replicationStats(),
    antiEntropy: () => cluster.antiEntropyStats(),
    expiry: () => sweeper.stats,
  });
  const status = startClusterStatus({
    config: () => running,
    store,
    cluster,
    metrics,
    counters: ctx.counters,
    // The configured port until the listener has its real one (bind_port = 0).
    selfAddress: () => (address === undefined ? cluster.selfAddress : cluster.selfAddress.replace(/\d+$/, String(address.port))),
    logger,
  });
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
  let address: { host: string; port: number } | undefined;
  let admin: AdminServer | undefined;
  let resp: RespListener | undefined;
  try {
    if (config.admin.port !== undefined) {
      admin = new AdminServer({
        host: config.admin.bind_address,
        port: config.admin.port,
        metrics,
        ready: () => listener.listening && cluster.ready(),
        reload: () => reload(),
        logger,
        status: status.routes,
      });
      const at = await admin.listen();
      logger.info({ address: at.host, port: at.port }, 'admin listening');
    }
    address = await listener.listen().catch((err: unknown) => {
      throw portError(err, `cannot listen on ${config.network.bind_address}:${config.network.bind_port}`, '[network] bind_port');
    });
    // The RESP port ([resp], docs/RESP.md): the same context, access gate, TLS and limits as the text port.
    if (config.resp.enabled) {
      const at = `${config.resp.bind_address ?? config.network.bind_address}:${config.resp.bind_port}`;
      resp = await startRespListener({ node: ctx, gate: access, logger, tls, latency: metrics.latency }).catch((err: unknown) => {
        throw portError(err, `cannot listen on ${at} (RESP)`, '[resp] bind_port');
      });
      sections.push(resp.section);
    }
  } catch (err) {
    await listener.close();
    await admin?.close();
    status.stop();
    await cluster.stop();
    sweeper.stop();
    backups.stop();
    await store.close();
    throw err;
  }
  logger.info({ address: address.host, port: address.port, pid: process.pid, startup_ms: Date.now() - startedAt }, 'listening');

  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  stop = (reason = 'requested') => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      await listener.close();
      await resp?.close();
      await admin?.close();
      status.stop();
      await cluster.stop();
      sweeper.stop();
      backups.stop();
      await store.close();
      logger.info('stopped');
      resolveStopped();
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
