/**
 * Benchmark of verdict truthfulness (issue 5 §5): how many of test/verdicts' mutants paritykit
 * detects, on the right channel, and how many false differences the noisy legacies give against
 * themselves after noise learning (A/A). Counts, not times: the figures do not depend on the
 * machine. Two legacies: a CLI (suite `verdicts`: stdout, stderr, exit, files) and an HTTP
 * service (suite `verdicts-http`: the http channel); the totals cover both, `bySuite` splits them.
 *
 * One run of the experiment in test/verdicts/driver.ts, through the real CLI: `record --runs 3`
 * of both noisy legacies (no normalizers), an A/A verify, one verify per mutant and per
 * equivalent mutant, and one per suite under a deviation. Takes 2–4 minutes on 2 cores.
 *
 * Run: `node_modules/.bin/node bench/verdicts.ts` (prints JSON).
 */
import { fileURLToPath } from 'node:url';
import { EQUIVALENTS, runVerdicts, type SuiteFigures } from '../test/verdicts/driver.ts';

/** Figures of one run. */
export interface VerdictsBenchResult {
  /** Mutants in test/verdicts/mutants.json, both suites (equivalent mutants not counted). */
  mutants: number;
  /** Mutants whose declared scenarios all got verdict `diff` (`flaky` does not count). */
  detected: number;
  /** Mutants detected on exactly their declared channels (and files), every other scenario passing. */
  rightChannel: number;
  /** Scenarios that did not pass when the legacy was verified against itself after noise learning. */
  aaFalseDiffs: number;
  /** In each suite, a deviation covering one mutant turned its diff into `accepted` (and left
   * the rest passing); the HTTP one names `where: $.status`. */
  acceptedByDeviation: boolean;
  /** Equivalent mutants (same behaviour, other bytes) that passed everywhere. */
  equivalentsPassed: number;
  /** Number of equivalent mutants. */
  equivalents: number;
  /** Learned noise rules over all scenarios of the baseline. */
  noiseRules: number;
  /** Mutants that were not detected on the right channel, with why (for docs/benchmarks.md). */
  misses: Array<{ mutant: string; problems: string[] }>;
  /** The same figures per suite: `verdicts` (CLI channels) and `verdicts-http` (http channel). */
  bySuite: Record<string, SuiteFigures>;
}

/**
 * Runs the verdicts experiment once and returns its figures.
 *
 * @throws Error when a paritykit command fails outright (exit 2, crash, no report.json).
 */
export async function benchVerdicts(): Promise<VerdictsBenchResult> {
  const r = await runVerdicts({ runs: 3 });
  return {
    mutants: r.mutants,
    detected: r.detected,
    rightChannel: r.rightChannel,
    aaFalseDiffs: r.aaFalseDiffs,
    acceptedByDeviation: r.acceptedByDeviation,
    equivalentsPassed: r.equivalentsPassed,
    equivalents: EQUIVALENTS.length,
    noiseRules: r.noiseRules,
    misses: r.misses,
    bySuite: r.bySuite,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await benchVerdicts(), null, 2));
}
