/**
 * The regression report: what changed between a previous run and this one — scenarios newly
 * differing, newly passing, differing differently ("diffs that changed": same failing verdict,
 * another digest of the differences), added and removed scenarios, deviations added, newly
 * expired and gone, parity per suite then and now, and performance ratios then and now.
 *
 * Both runs are compared in their history-entry form (reporters/history.ts), so a previous
 * `report.json` and a history entry are compared by the same code.
 *
 * Which previous run (`paritykit verify`): `--compare <report.json | folder>` names it; a folder
 * means its `report.json`, else the newest entry of its `history/` subfolder, else the newest
 * entry in the folder itself. Without `--compare`, the newest entry of `<reportDir>/history/`
 * (the previous complete run written to the same report folder); with no history, no
 * regression section.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ParityError } from '../harness/errors.ts';
import type { Verdict } from '../harness/model.ts';
import { parseReport } from './json.ts';
import type { ParityReport } from './model.ts';
import { emptyTotals, mergeTotals, parityOf, totalsOf } from './totals.ts';
import {
  DEFAULT_HISTORY_KEEP,
  digestVerdict,
  historyEntryOf,
  historyPointOf,
  isHistoryEntry,
  parseHistoryEntry,
  readHistory,
  writeHistoryEntry,
  type HistoryEntry,
} from './history.ts';

/** Scenarios listed per regression list at most (the counts are always complete). */
export const MAX_REGRESSION_LISTED = 500;

/** One scenario whose outcome changed between the runs. `null`: absent from that run. */
export interface RegressionChange {
  suite: string;
  id: string;
  before: Verdict | null;
  now: Verdict | null;
}

/** A deviation named in the regression report. */
export interface RegressionDeviation {
  suite: string;
  id: string;
}

/** Parity (and performance) of one suite then and now; `null` where the suite did not exist. */
export interface RegressionSuite {
  name: string;
  parityBefore: number | null;
  parityNow: number | null;
  /** Performance ratios (candidate ÷ legacy, primary metric) by scenario id, when either run had any. */
  perf?: Array<{ name: string; before: number | null; now: number | null }>;
}

/** `ParityReport.regression`: this run compared with a previous one. */
export interface RegressionReport {
  previous: {
    /** Where the previous run was read from (path relative to the working directory). */
    source: string;
    startedAt: string;
    gitCommit: string | null;
    parity: number;
  };
  parity: { before: number; now: number };
  /** Complete counts of each list below (the lists stop at {@link MAX_REGRESSION_LISTED}). */
  counts: { newlyDiffering: number; newlyPassing: number; changedDiffs: number; added: number; removed: number };
  /** Failing now (`diff`, `flaky`, `error`, `missing`); `pass`, `accepted` or `new` before. */
  newlyDiffering: RegressionChange[];
  /** `pass` or `accepted` now; failing before. */
  newlyPassing: RegressionChange[];
  /** Failing in both runs, with a different digest of the differences (or another failing verdict). */
  changedDiffs: RegressionChange[];
  /** In this run only. */
  added: RegressionChange[];
  /** In the previous run only. */
  removed: RegressionChange[];
  deviations: {
    /** Deviations this run has that the previous one did not. */
    added: RegressionDeviation[];
    /** Expired now, not expired before. */
    expired: RegressionDeviation[];
    /** In the previous run only (removed from the deviations file). */
    gone: RegressionDeviation[];
  };
  suites: RegressionSuite[];
}

const FAILING: ReadonlySet<Verdict> = new Set<Verdict>(['diff', 'flaky', 'error', 'missing']);
const PARITY: ReadonlySet<Verdict> = new Set<Verdict>(['pass', 'accepted']);

/**
 * Compares two runs.
 *
 * @param previous - the earlier run (a history entry; use `historyEntryOf` for a report).
 * @param current - this run.
 * @param source - where `previous` came from, for the report.
 */
export function compareRuns(previous: HistoryEntry, current: HistoryEntry, source: string): RegressionReport {
  const lists = { newlyDiffering: [] as RegressionChange[], newlyPassing: [] as RegressionChange[], changedDiffs: [] as RegressionChange[], added: [] as RegressionChange[], removed: [] as RegressionChange[] };
  const deviations: RegressionReport['deviations'] = { added: [], expired: [], gone: [] };
  const suites: RegressionSuite[] = [];
  const before = new Map(previous.suites.map((s) => [s.name, s]));
  const nowNames = new Set(current.suites.map((s) => s.name));
  for (const suite of current.suites) {
    const old = before.get(suite.name);
    const oldVerdicts = old?.verdicts ?? {};
    for (const [id, digest] of Object.entries(suite.verdicts)) {
      const now = digestVerdict(digest);
      const was = oldVerdicts[id];
      if (was === undefined) {
        lists.added.push({ suite: suite.name, id, before: null, now });
        continue;
      }
      const then = digestVerdict(was);
      const change = { suite: suite.name, id, before: then, now };
      if (FAILING.has(now) && !FAILING.has(then)) lists.newlyDiffering.push(change);
      else if (PARITY.has(now) && FAILING.has(then)) lists.newlyPassing.push(change);
      else if (FAILING.has(now) && FAILING.has(then) && digest !== was) lists.changedDiffs.push(change);
    }
    for (const id of Object.keys(oldVerdicts)) {
      if (!(id in suite.verdicts)) lists.removed.push({ suite: suite.name, id, before: digestVerdict(oldVerdicts[id]!), now: null });
    }
    const oldDeviations = old?.deviations ?? {};
    for (const [id, status] of Object.entries(suite.deviations)) {
      if (!(id in oldDeviations)) deviations.added.push({ suite: suite.name, id });
      if (status === 'expired' && oldDeviations[id] !== 'expired') deviations.expired.push({ suite: suite.name, id });
    }
    for (const id of Object.keys(oldDeviations)) if (!(id in suite.deviations)) deviations.gone.push({ suite: suite.name, id });
    suites.push({ name: suite.name, parityBefore: old?.parity ?? null, parityNow: suite.parity, ...perfThenAndNow(old?.perf, suite.perf) });
  }
  for (const old of previous.suites) {
    if (nowNames.has(old.name)) continue;
    for (const [id, digest] of Object.entries(old.verdicts)) lists.removed.push({ suite: old.name, id, before: digestVerdict(digest), now: null });
    for (const id of Object.keys(old.deviations)) deviations.gone.push({ suite: old.name, id });
    suites.push({ name: old.name, parityBefore: old.parity, parityNow: null, ...perfThenAndNow(old.perf, undefined) });
  }
  const counts = {
    newlyDiffering: lists.newlyDiffering.length,
    newlyPassing: lists.newlyPassing.length,
    changedDiffs: lists.changedDiffs.length,
    added: lists.added.length,
    removed: lists.removed.length,
  };
  const cap = (l: RegressionChange[]) => l.slice(0, MAX_REGRESSION_LISTED);
  return {
    previous: { source, startedAt: previous.startedAt, gitCommit: previous.gitCommit, parity: previous.parity },
    parity: { before: previous.parity, now: current.parity },
    counts,
    newlyDiffering: cap(lists.newlyDiffering),
    newlyPassing: cap(lists.newlyPassing),
    changedDiffs: cap(lists.changedDiffs),
    added: cap(lists.added),
    removed: cap(lists.removed),
    deviations,
    suites,
  };
}

function perfThenAndNow(before: Record<string, number> | undefined, now: Record<string, number> | undefined): Pick<RegressionSuite, 'perf'> {
  if (before === undefined && now === undefined) return {};
  const names = [...new Set([...Object.keys(before ?? {}), ...Object.keys(now ?? {})])].sort();
  return { perf: names.map((name) => ({ name, before: before?.[name] ?? null, now: now?.[name] ?? null })) };
}

/**
 * A previous run cut down to what `current` ran: only its suites and, in them, only the
 * scenarios `current` has; totals and parity recomputed from the remaining digests (with
 * `totalsOf`/`parityOf`). Used for a run of part of the config, so that what it did not run is
 * not reported as removed, and "parity then" covers the same scenarios as "parity now".
 */
export function restrictEntry(previous: HistoryEntry, current: HistoryEntry): HistoryEntry {
  const wanted = new Map(current.suites.map((s) => [s.name, s]));
  const suites = previous.suites
    .filter((s) => wanted.has(s.name))
    .map((s) => {
      const now = wanted.get(s.name)!;
      const verdicts = Object.fromEntries(Object.entries(s.verdicts).filter(([id]) => id in now.verdicts));
      const totals = totalsOf(Object.values(verdicts).map((d) => ({ verdict: digestVerdict(d) })));
      return { ...s, verdicts, totals, parity: parityOf(totals) };
    });
  const totals = suites.reduce((t, s) => mergeTotals(t, s.totals), emptyTotals());
  return { ...previous, suites, totals, parity: parityOf(totals) };
}

/** True when the regression report has anything to say beyond the parity figures. */
export function hasRegressionChanges(r: RegressionReport): boolean {
  const c = r.counts;
  return c.newlyDiffering + c.newlyPassing + c.changedDiffs + c.added + c.removed + r.deviations.added.length + r.deviations.expired.length + r.deviations.gone.length > 0;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Reads a file that is either a report.json or a history entry, as a history entry. */
async function readRunFile(file: string): Promise<HistoryEntry> {
  const text = await readFile(file, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined; // parseReport names the JSON error with the file
  }
  return isHistoryEntry(data) ? parseHistoryEntry(text, file) : historyEntryOf(parseReport(text, file));
}

/**
 * Finds the previous run to compare with (see the module comment for the rules).
 *
 * @param compare - `--compare` as given (resolved against `cwd`), or undefined.
 * @param reportDir - this run's report folder (its `history/` is used without `--compare`).
 * @returns the previous run and where it came from, or null when there is none.
 * @throws ParityError `USAGE` when `--compare` names nothing usable (the message says what
 *   it looked for), or an entry/report there is invalid.
 */
export async function findPreviousRun(compare: string | undefined, reportDir: string, cwd = process.cwd()): Promise<{ entry: HistoryEntry; source: string } | null> {
  const shown = (p: string) => path.relative(cwd, p) || '.';
  if (compare === undefined) {
    const [newest] = await readHistory(path.join(reportDir, 'history'), 1);
    return newest === undefined ? null : { entry: newest, source: shown(newest.file) };
  }
  const target = path.resolve(cwd, compare);
  if (!(await exists(target))) {
    throw new ParityError('USAGE', `--compare ${compare}: no such file or folder; pass a previous report.json, a report folder, or its history/ folder`, { file: target });
  }
  if (!(await isDirectory(target))) return { entry: await readRunFile(target), source: shown(target) };
  const report = path.join(target, 'report.json');
  if (await exists(report)) return { entry: await readRunFile(report), source: shown(report) };
  for (const dir of [path.join(target, 'history'), target]) {
    const [newest] = await readHistory(dir, 1);
    if (newest !== undefined) return { entry: newest, source: shown(newest.file) };
  }
  throw new ParityError(
    'USAGE',
    `--compare ${compare}: found neither report.json nor history entries (history/*.json) there; pass the report folder of a previous paritykit verify`,
    { file: target },
  );
}

/** Options of {@link attachRegression}. */
export interface RegressionOptions {
  /** This run's report folder; its `history/` is read and written. */
  reportDir: string;
  /** `--compare` as given, or undefined (then the newest history entry is used). */
  compare?: string;
  /** Add this run to `<reportDir>/history/` (false for a partial, sharded run). Default true. */
  writeHistory?: boolean;
  /** Trend points carried by the report (`ParityReport.history`), this run included. Default 30. */
  trendSize?: number;
  /** Entries kept in the history folder. Default {@link DEFAULT_HISTORY_KEEP}. */
  keep?: number;
  /** Directory `--compare` and the shown sources are relative to. Default `process.cwd()`. */
  cwd?: string;
  /** The run selected only part of the config (`--suite`, `--scenario`): it is compared on
   * what it ran only (see {@link restrictEntry}) and never written to the history, whose
   * trend would otherwise jump. Default false. */
  partial?: boolean;
}

/**
 * Completes a report with its regression section and parity trend, and records it in the
 * history: finds the previous run, sets `report.regression` (when there is a previous run) and
 * `report.history` (the last `trendSize` runs, this one last), then writes this run's entry.
 *
 * @returns a new report object (the input is not changed).
 * @throws ParityError from {@link findPreviousRun}; the file system's error when the history
 *   folder cannot be written.
 */
export async function attachRegression(report: ParityReport, options: RegressionOptions): Promise<ParityReport> {
  const historyDir = path.join(options.reportDir, 'history');
  const trendSize = options.trendSize ?? 30;
  const current = historyEntryOf(report);
  const previous = await findPreviousRun(options.compare, options.reportDir, options.cwd);
  const past = await readHistory(historyDir, Math.max(0, trendSize - 1));
  const out: ParityReport = { ...report, history: [...past.map(historyPointOf), historyPointOf(current)] };
  if (previous !== null) out.regression = compareRuns(options.partial ? restrictEntry(previous.entry, current) : previous.entry, current, previous.source);
  if ((options.writeHistory ?? true) && !options.partial) await writeHistoryEntry(historyDir, current, options.keep);
  return out;
}
