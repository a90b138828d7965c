#!/usr/bin/env node
// merklekv-node launcher: runs the built dist/main.js when present
// (`npx nx build node`), else the TypeScript sources through tsx with the
// repo's tsconfig.base.json (for the @merklekv/* path mappings).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(appDir, 'dist', 'main.js');

if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: join(appDir, '..', '..', 'tsconfig.base.json') });
  await import(pathToFileURL(join(appDir, 'src', 'main.ts')).href);
}
