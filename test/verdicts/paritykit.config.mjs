// paritykit config of test/verdicts: two reference legacies against themselves, or against one
// mutant of themselves when MUTANT=<name> is set (see mutants.json):
// - `verdicts`: the CLI legacy (legacy.mjs), channels stdout, stderr, exit and files;
// - `verdicts-http`: the HTTP service legacy (service.mjs), channel http. paritykit starts one
//   service process per scenario on a free PORT and waits for its "listening" log line.
// A `.mjs` config so that the candidate's environment can come from paritykit's own `process.env`.
//
// No normalizers, on purpose: the legacies' timestamps, UUIDs, random ids, durations and
// unordered sets must be handled by noise learning (`paritykit record --runs 3`) alone.
// NOISE=0 makes both legacies deterministic (both sides get it). Each legacy accepts every
// mutant name of mutants.json and ignores the other suite's.
//
// The test copies this folder to a temporary directory before recording, so baselines/ and
// the reports never land in the repository.
const fromEnv = (...names) =>
  Object.fromEntries(names.filter((n) => (process.env[n] ?? '') !== '').map((n) => [n, process.env[n]]));

/** A service target running service.mjs with these environment variables. */
const service = (env) => ({
  start: { command: [process.execPath, 'service.mjs'], env, ready: { log: 'listening', timeoutMs: 20_000 } },
  // ms per request
  timeoutMs: 5000,
});

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
    {
      name: 'verdicts-http',
      legacy: service(fromEnv('NOISE')),
      candidate: service(fromEnv('NOISE', 'MUTANT')),
      scenarios: 'service-scenarios.yaml',
      normalize: [],
      timeoutMs: 10_000,
    },
  ],
};
