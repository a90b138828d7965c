import { freePort, NodeProcess } from '@merklekv/test-support';
import { pino } from 'pino';
import { validateConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { startNode, type RunningNode } from '../node.js';

// The node's tests import the shared helpers through here (definitions in @merklekv/test-support).
export { freePort, LineClient, NodeProcess, REPO_ROOT, waitFor, waitForPort, writeConfig } from '@merklekv/test-support';

/** Starts a node in this process; `sections` are merged over a minimal no-broker config. */
export async function startTestNode(
  sections: Record<string, Record<string, unknown>> = {},
  nodeId = 'test-node',
  logger: Logger = pino({ level: 'silent' }),
): Promise<RunningNode> {
  const config = validateConfig({
    node_id: nodeId,
    ...sections,
    network: { bind_address: '127.0.0.1', bind_port: await freePort(), ...sections['network'] },
    mqtt: { broker_address: 'none', ...sections['mqtt'] },
    anti_entropy: { enabled: false, ...sections['anti_entropy'] },
    // Any free port: RunningNode.respPort says which.
    resp: { bind_port: 0, ...sections['resp'] },
  });
  return startNode(config, logger);
}

/** A node process from a TOML file (undefined: built-in defaults), started without waiting, as `nx serve node --config=FILE` starts it. */
export function spawnNode(configFile: string | undefined, port: number, env: NodeJS.ProcessEnv = {}): NodeProcess {
  const node = new NodeProcess(configFile, port, { env });
  node.spawn();
  return node;
}
