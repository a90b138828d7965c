import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const lib = (scope, allowed) => ({ sourceTag: `scope:${scope}`, onlyDependOnLibsWithTags: allowed.map((s) => `scope:${s}`) });

// DESIGN.md §1: the dependency direction. Packages never import apps.
const layers = [
  ['protocol', ['merkle']],
  ['merkle', []],
  ['client', ['protocol']],
  ['storage', ['merkle']],
  ['replication', ['storage', 'protocol']],
  ['anti-entropy', ['storage', 'merkle', 'client', 'protocol']],
  ['node', ['protocol', 'client', 'merkle', 'storage', 'replication', 'anti-entropy']],
  ['cli', ['client', 'protocol']],
  ['e2e', ['client', 'protocol']],
  // The benchmarks start their servers with the test helpers: dev tooling, never shipped or imported.
  ['tools', ['client', 'protocol', 'merkle', 'storage', 'replication', 'anti-entropy', 'test-support']],
  // Private test helpers (tools/test-support): a leaf, so that every project's tests may import it.
  ['test-support', []],
];

/**
 * The module-boundary rule. `forTests`: test files (and e2e, which is all tests) may
 * also import `scope:test-support`; no other file may (the rule fails the lint).
 */
const boundaries = (forTests) => [
  'error',
  {
    // Tests are not part of a package's build, so a buildable package's tests may import the unbuilt helpers.
    enforceBuildableLibDependency: !forTests,
    banTransitiveDependencies: false,
    depConstraints: layers.map(([scope, allowed]) => lib(scope, forTests && !allowed.includes('test-support') ? [...allowed, 'test-support'] : allowed)),
  },
];

/** Files that are tests or test helpers. */
const TEST_FILES = ['**/*.test.ts', '**/__tests__/**/*.ts', 'e2e/**/*.ts', 'tools/test-support/**/*.ts'];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(false),
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['@merklekv/*/*'], message: 'Import a package through its public entry (src/index.ts) only.' }] }],
    },
  },
  {
    files: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': boundaries(true) },
  },
  {
    // Packages are libraries: they log through what the caller injects, never the console.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/__tests__/**'],
    rules: { 'no-console': 'error' },
  },
];
