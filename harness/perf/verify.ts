/**
 * The perf step of `verify`: one suite's perf run with the legacy's stored figures at hand,
 * its trend from the history, and this run appended to the history.
 */
import { loadPerfFigures } from '../../baselines/store.ts';
import type { ResolvedSuite } from '../config.ts';
import { stopDatabaseProviders } from '../service-run.ts';
import { appendPerfHistory, attachTrend, historyEntryOf, readPerfHistory } from './history.ts';
import type { PerfScenarioReport, PerfSuiteReport } from './model.ts';
import { runPerfSuite, type PerfSuite } from './run.ts';

/** Options of {@link verifySuitePerf} (from the CLI: `--no-perf`, `--perf-rounds`, `--perf-legacy`). */
export interface VerifyPerfOptions {
  baselineDir: string;
  reportDir: string;
  /** ISO-8601 start of the verify run (the history's time stamp). */
  startedAt: string;
  /** Overrides `perf.rounds`. */
  rounds?: number;
  /** `stored`: compare with the legacy's figures in perf.json, never run the legacy. */
  legacy?: 'live' | 'stored';
  /** Append this run to `<reportDir>/history/perf.jsonl` (default true). */
  writeHistory?: boolean;
  onScenario?: (suite: string, report: PerfScenarioReport) => void;
}

/**
 * Runs the perf suite of `suite` (which must have `perf`) and returns `SuiteReport.perf`, with
 * each scenario's trend (earlier runs of the history, then this one). Database servers the
 * run started are stopped at the end.
 *
 * @throws ParityError `BASELINE_CORRUPT`/`BASELINE_FORMAT` when perf.json is unreadable, and
 *   `CONFIG_INVALID` from the run.
 */
export async function verifySuitePerf(suite: ResolvedSuite, options: VerifyPerfOptions): Promise<PerfSuiteReport> {
  if (!suite.perf) throw new Error(`suite ${suite.name} has no perf option`);
  const stored = await loadPerfFigures(options.baselineDir, suite.name);
  const report = await runPerfSuite(suite as PerfSuite, {
    stored,
    rounds: options.rounds,
    legacy: options.legacy,
    onScenario: (r) => options.onScenario?.(suite.name, r),
  }).finally(() => stopDatabaseProviders());
  attachTrend(report, suite.name, options.startedAt, await readPerfHistory(options.reportDir));
  if (options.writeHistory !== false) await appendPerfHistory(options.reportDir, historyEntryOf(suite.name, options.startedAt, report));
  return report;
}
