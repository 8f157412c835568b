// paritykit config of test/verdicts: the reference legacy (legacy.mjs) against itself, or against
// one mutant of itself when MUTANT=<name> is set (see mutants.json). A `.mjs` config so that the
// candidate's environment can come from paritykit's own `process.env`.
//
// No normalizers, on purpose: the legacy's timestamps, UUIDs, random ids, durations and
// unordered sets must be handled by noise learning (`paritykit record --runs 3`) alone.
// NOISE=0 makes the legacy deterministic (both sides get it).
//
// The test copies this folder to a temporary directory before recording, so baselines/ and
// the reports never land in the repository.
const fromEnv = (...names) =>
  Object.fromEntries(names.filter((n) => (process.env[n] ?? '') !== '').map((n) => [n, process.env[n]]));

export default {
  suites: [
    {
      name: 'verdicts',
      legacy: { command: [process.execPath, 'legacy.mjs'], env: fromEnv('NOISE') },
      candidate: { command: [process.execPath, 'legacy.mjs'], env: fromEnv('NOISE', 'MUTANT') },
      scenarios: 'scenarios.yaml',
      normalize: [],
      // ms; the `wait` scenario has its own 3 s limit, for the timeout mutant.
      timeoutMs: 5000,
    },
  ],
};
