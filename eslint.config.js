// `npm run lint`: ESLint's and typescript-eslint's recommended rules (syntax-only, no type information, so it stays
// fast; `tsc` does the type checks). Formatting is not a lint concern here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'data/', '.scratch/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks an intentionally unused parameter or binding (as tsc's noUnusedParameters allows); a rest
      // sibling drops the fields named before it.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Tests and benchmarks read JSON answers and frames field by field: a loosely typed body is deliberate there.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', module: 'writable', require: 'readonly' },
    },
  },
  {
    // The admin console's script runs in the browser (no bundler, no dependencies).
    files: ['src/admin-console/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'fetch',
          'atob',
          'setTimeout',
          'clearTimeout',
          'Node',
          'URL',
          'URLSearchParams',
          'AbortController',
          'TextDecoderStream',
          'Blob',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
