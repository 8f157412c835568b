import { defineConfig } from 'vitest/config';

// paritykit's own test suite. Integration tests spawn real processes, so each file gets
// generous time; nothing here asserts on wall-clock speed (that lives in `npm run bench`).
// Under CI a JSON reporter is added so .ci/run can print "N passed, N failed".
export default defineConfig({
  test: {
    include: ['{harness,recorders,baselines,suites,reporters,examples,test}/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]] : ['default'],
  },
});
