import { Cluster, type ClusterOptions } from './cluster.js';
import { killAllChildren } from '@merklekv/test-support';

const open = new Set<Cluster>();

/**
 * Runs one scenario on a fresh cluster and always tears it down. On failure
 * the error names the folder holding every node's log, the broker's log and
 * the fault timeline (events.log, links.log); logs are kept either way.
 */
export async function withCluster<T>(opts: ClusterOptions, body: (cluster: Cluster) => Promise<T>): Promise<T> {
  const cluster = await Cluster.start(opts);
  open.add(cluster);
  try {
    return await body(cluster);
  } catch (err) {
    cluster.event(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
    const where = `node logs kept in ${cluster.dir}`;
    process.stderr.write(`\n[e2e] scenario '${opts.name}' failed — ${where}\n`);
    if (err instanceof Error) err.message = `${err.message}\n  ${where}`;
    throw err;
  } finally {
    open.delete(cluster);
    await cluster.shutdown();
  }
}

/** For afterEach/afterAll: stops any cluster a timed-out test left, then kills any child still alive (by PID). */
export async function cleanupClusters(): Promise<void> {
  await Promise.all([...open].map((c) => c.shutdown()));
  open.clear();
  await killAllChildren();
}
