import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { roomsPlugin } from './eslint.rooms.mjs';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', '.bench/', 'coverage/', 'local/public/', '*.js'] },
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
    // Rooms point one way (domain ← store / events ← app ← http ← functions and local; infra reads
    // shared): the table and the rule are in eslint.rooms.mjs, the why in docs/architecture.md.
    files: ['shared/**/*.ts', 'functions/**/*.ts', 'local/**/*.ts', 'infra/**/*.ts'],
    plugins: { rooms: roomsPlugin },
    rules: { 'rooms/direction': 'error' },
  },
);
