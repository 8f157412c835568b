/**
 * The perf history: one JSON line per suite per verify run in `<reportDir>/history/perf.jsonl`
 * (the primary ratio, interval and verdict of each scenario), read back to show the trend.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PerfSuiteReport, PerfTrendPoint } from './model.ts';

/** File name of the history, under `<reportDir>/history/`. */
export const PERF_HISTORY_FILE = 'perf.jsonl';

/** Runs kept in a trend (the most recent). */
export const TREND_LENGTH = 20;

/** One line of the history file. */
export interface PerfHistoryEntry {
  /** ISO-8601 UTC start of the run. */
  at: string;
  suite: string;
  scenarios: Array<{ id: string } & Omit<PerfTrendPoint, 'at'>>;
}

/** Path of the history file for a report folder. */
export function perfHistoryPath(reportDir: string): string {
  return path.join(reportDir, 'history', PERF_HISTORY_FILE);
}

/** Reads the history; a missing file is an empty history, unreadable lines are skipped. */
export async function readPerfHistory(reportDir: string): Promise<PerfHistoryEntry[]> {
  const text = await readFile(perfHistoryPath(reportDir), 'utf8').catch(() => '');
  const out: PerfHistoryEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as PerfHistoryEntry;
      if (typeof e.at === 'string' && typeof e.suite === 'string' && Array.isArray(e.scenarios)) out.push(e);
    } catch {
      // a line cut short by a crash: skip it
    }
  }
  return out;
}

/** The history entry of one suite's perf report. */
export function historyEntryOf(suite: string, at: string, report: PerfSuiteReport): PerfHistoryEntry {
  return {
    at,
    suite,
    scenarios: report.scenarios.map((s) => {
      const primary = s.metrics.find((m) => m.metric === s.primary)?.estimate;
      return { id: s.id, ratio: primary?.ratio ?? Number.NaN, lower: primary?.lower ?? Number.NaN, upper: primary?.upper ?? Number.NaN, verdict: s.verdict };
    }),
  };
}

/**
 * Sets `trend` on each scenario of `report`: the last {@link TREND_LENGTH} - 1 runs of the
 * history for that suite and scenario, then this run.
 */
export function attachTrend(report: PerfSuiteReport, suite: string, at: string, history: readonly PerfHistoryEntry[]): void {
  const mine = history.filter((h) => h.suite === suite);
  const now = historyEntryOf(suite, at, report);
  for (const s of report.scenarios) {
    const points: PerfTrendPoint[] = [];
    for (const h of mine) {
      const p = h.scenarios.find((x) => x.id === s.id);
      if (p && Number.isFinite(p.ratio)) points.push({ at: h.at, ratio: p.ratio, lower: p.lower, upper: p.upper, verdict: p.verdict });
    }
    const cur = now.scenarios.find((x) => x.id === s.id);
    if (cur && Number.isFinite(cur.ratio)) points.push({ at, ratio: cur.ratio, lower: cur.lower, upper: cur.upper, verdict: cur.verdict });
    s.trend = points.slice(-TREND_LENGTH);
  }
}

/** Appends one suite's entry to the history (creating the folder). */
export async function appendPerfHistory(reportDir: string, entry: PerfHistoryEntry): Promise<void> {
  const file = perfHistoryPath(reportDir);
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify(entry)}\n`);
}
