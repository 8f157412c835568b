import { defineConfig } from 'vitest/config';

// paritykit's own test suite. Integration tests spawn real processes, so each
// file gets generous time; nothing here asserts on wall-clock speed (that lives
// in `npm run bench`).
export default defineConfig({
  test: {
    include: ['{harness,recorders,baselines,suites,reporters,examples,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
