import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root (/work/main in the dev checkout). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The built node app; `nx e2e cluster` builds it first (`dependsOn: node:build`). */
export const NODE_MAIN = join(REPO_ROOT, 'apps/node/dist/main.js');

/** Per-test log folders: e2e/cluster/.e2e-logs/<test-name>/ (gitignored). */
export const LOG_ROOT = join(REPO_ROOT, 'e2e/cluster/.e2e-logs');

/** Throws a clear message when the node app has not been built. */
export function assertNodeBuilt(): void {
  if (!existsSync(NODE_MAIN)) {
    throw new Error(`${NODE_MAIN} is missing: run \`npx nx build node\` (or \`npx nx e2e cluster\`, which builds it)`);
  }
}
