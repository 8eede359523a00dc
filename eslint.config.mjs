import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { roomsPlugin } from './eslint.rooms.mjs';

export default tseslint.config(
  {
    // Root-level *.js are tool configs (jest.config.js). The page's vendor folder holds only type
    // declarations of what the local server serves from node_modules. bench/peer/ is another
    // project's code, kept as it was written (its own tsconfig checks it).
    ignores: [
      'node_modules/',
      'cdk.out/',
      '.data/',
      '.bench/',
      'coverage/',
      'local/public/vendor/',
      'bench/peer/',
      '*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read arbitrary JSON response bodies.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Cloud mode reads CloudFormation templates and AWS wire formats: untyped JSON by nature.
    files: ['local/cloud/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Cloud mode's Lambda runtime and the cold-start benchmark's runner: plain CommonJS child processes.
    files: ['local/cloud/*.cjs', 'bench/lib/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { process: 'readonly', require: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Rooms point one way (domain ← store / events ← app ← http ← functions and local; infra reads
    // shared): the table and the rule are in eslint.rooms.mjs, the why in docs/architecture.md.
    files: ['shared/**/*.ts', 'functions/**/*.ts', 'local/**/*.ts', 'infra/**/*.ts'],
    plugins: { rooms: roomsPlugin },
    rules: { 'rooms/direction': 'error' },
  },
  {
    // The desk page: browser ES modules, type-checked by tsc -p local/public (JSDoc, // @ts-check).
    files: ['local/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        crypto: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        Blob: 'readonly',
        Image: 'readonly',
        WebSocket: 'readonly',
        XMLSerializer: 'readonly',
        Intl: 'readonly',
        Event: 'readonly',
        HTMLElement: 'readonly',
        HTMLInputElement: 'readonly',
        HTMLSelectElement: 'readonly',
        HTMLDialogElement: 'readonly',
        HTMLDivElement: 'readonly',
        SVGSVGElement: 'readonly',
        Response: 'readonly',
        CanvasRenderingContext2D: 'readonly',
      },
    },
    rules: {
      // Types live in JSDoc here; the TypeScript-only rules do not apply to plain JavaScript.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
