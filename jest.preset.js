// Shared Jest settings. Tests run as native ES modules (Jest's VM-modules mode);
// @merklekv/* imports resolve to the packages' TypeScript sources, so tests
// never depend on a stale build.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(fileURLToPath(import.meta.url));

/** @param {string} projectDir the project's folder, relative to the workspace root */
export function jestConfig(projectDir, overrides = {}) {
  return {
    rootDir: join(root, projectDir),
    displayName: projectDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts'],
    reporters: ['default', join(root, 'jest-summary-reporter.js')],
    extensionsToTreatAsEsm: ['.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'es6' },
        },
      ],
    },
    moduleNameMapper: {
      '^@merklekv/(protocol|client|merkle|storage|replication|anti-entropy)$': join(root, 'packages/$1/src/index.ts'),
      '^@merklekv/test-support$': join(root, 'tools/test-support/src/index.ts'),
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    ...overrides,
  };
}
