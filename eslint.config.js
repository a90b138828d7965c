import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const lib = (scope, allowed) => ({ sourceTag: `scope:${scope}`, onlyDependOnLibsWithTags: allowed.map((s) => `scope:${s}`) });

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: false,
          depConstraints: [
            // DESIGN.md §1: the dependency direction. Packages never import apps.
            lib('protocol', ['merkle']),
            lib('merkle', []),
            lib('client', ['protocol']),
            lib('storage', ['merkle']),
            lib('replication', ['storage', 'protocol']),
            lib('anti-entropy', ['storage', 'merkle', 'client', 'protocol']),
            lib('node', ['protocol', 'client', 'merkle', 'storage', 'replication', 'anti-entropy']),
            lib('cli', ['client', 'protocol']),
            lib('e2e', ['client', 'protocol']),
            lib('tools', ['client', 'protocol', 'merkle', 'storage', 'replication', 'anti-entropy']),
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['@merklekv/*/*'], message: 'Import a package through its public entry (src/index.ts) only.' }] }],
    },
  },
  {
    // Packages are libraries: they log through what the caller injects, never the console.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/__tests__/**'],
    rules: { 'no-console': 'error' },
  },
];
