import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_BUILT_MAIN, REPO_ROOT } from '@merklekv/test-support';

export { REPO_ROOT };

/** The built node app; `nx e2e cluster` builds it first (`dependsOn: node:build`). */
export const NODE_MAIN = NODE_BUILT_MAIN;

/** Per-test log folders: e2e/cluster/.e2e-logs/<test-name>/ (gitignored). */
export const LOG_ROOT = join(REPO_ROOT, 'e2e/cluster/.e2e-logs');

/** Throws a clear message when the node app has not been built. */
export function assertNodeBuilt(): void {
  if (!existsSync(NODE_MAIN)) {
    throw new Error(`${NODE_MAIN} is missing: run \`npx nx build node\` (or \`npx nx e2e cluster\`, which builds it)`);
  }
}
