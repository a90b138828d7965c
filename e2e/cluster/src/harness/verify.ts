import { checkHistory, type CheckOptions, type CheckReport } from './checker.js';
import type { Cluster } from './cluster.js';
import { E2eError } from './errors.js';
import type { History } from './history.js';
import { readAll } from './workload.js';

/**
 * After {@link Cluster.waitConverged}: reads every node's live keys, checks
 * they are identical everywhere, and runs the history checker over them.
 * @throws E2eError CHECK_FAILED with the first violations
 */
export async function verifyHistory(cluster: Cluster, history: History, opts: CheckOptions = {}): Promise<CheckReport> {
  const states = await Promise.all(cluster.nodes.map(async (n) => [n.id, await readAll(n)] as const));
  const [firstId, first] = states[0] as readonly [string, Map<string, string>];
  for (const [id, state] of states.slice(1)) {
    const differing = [...new Set([...first.keys(), ...state.keys()])].filter((k) => first.get(k) !== state.get(k));
    if (differing.length > 0) {
      throw new E2eError('CHECK_FAILED', `${id} and ${firstId} differ on ${differing.length} keys, e.g. ${differing.slice(0, 5).map((k) => `${k}: ${String(state.get(k))} vs ${String(first.get(k))}`).join('; ')}`);
    }
  }
  const result = checkHistory(history.operations, first, history.timeline(), opts);
  if (result.violations.length > 0) {
    const sample = result.violations.slice(0, 5).map((v) => JSON.stringify(v)).join('\n    ');
    cluster.event(`history check failed: ${result.violations.length} violations`);
    throw new E2eError('CHECK_FAILED', `${result.violations.length} keys hold a value no admissible write explains (lost or resurrected writes):\n    ${sample}`);
  }
  return result;
}
