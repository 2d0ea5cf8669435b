import { builtinModules } from 'node:module';
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/.temporal/**', 'tools/*/files/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      // A query handler may read a variable before the workflow assigns it: keep such variables `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Workflow code runs in the SDK's sandbox: no Node built-ins, no client, activity or worker modules.
    // Client code lives in client.ts (the ./client entry); tests and worker examples run in Node.
    files: ['packages/*/src/**/*.ts', 'apps/demo-worker/src/workflows.ts', 'tools/bench/src/workflows.ts'],
    ignores: [
      '**/client.ts',
      '**/*.test.ts',
      '**/__tests__/**',
      '**/readme-example-worker.ts',
      '**/readme-release-after-activities.ts',
      // The pipeline README's first file is the application's client code; its workflows are readme-workflows.ts.
      'packages/pipeline/src/readme-example.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...builtinModules.map((name) => ({ name, message: 'Workflow code cannot use Node built-ins.' })),
            ...['client', 'activity', 'worker', 'testing'].map((name) => ({
              name: `@temporalio/${name}`,
              message: `Workflow code cannot import @temporalio/${name}: put it in client.ts (the ./client entry).`,
            })),
          ],
          patterns: [{ group: ['node:*'], message: 'Workflow code cannot use Node built-ins.' }],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['tools/workspace-plugin/**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
