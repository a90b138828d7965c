import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** apps/node's entry point in its sources (run through tsx). */
export const NODE_SOURCE_MAIN = join(REPO_ROOT, 'apps/node/src/main.ts');

/** apps/node's build (`npx nx build node`). */
export const NODE_BUILT_MAIN = join(REPO_ROOT, 'apps/node/dist/main.js');
