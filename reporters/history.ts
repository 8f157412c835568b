/**
 * The run history: `<reportDir>/history/`, one compact JSON entry per verify run (named by the
 * run's start time), written by every complete (unsharded) `paritykit verify` and by
 * `paritykit report merge`. The regression report compares a run with the newest entry, and
 * the HTML report draws the parity trend from the last entries.
 *
 * An entry keeps, per suite, parity, totals, the baseline revision, each deviation's status,
 * performance ratios (when the suite has them) and one short string per scenario — its verdict,
 * plus a digest of its differences when it does not pass (`diff:3f2a9c01b7de`) — so 10,000
 * scenarios take about 300 KB, and "the same diff as last time" can be told from "a different
 * diff" without storing the diffs.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { ParityError } from '../harness/errors.ts';
import type { Verdict } from '../harness/model.ts';
import type { DeviationReport, ParityReport, ScenarioReport, SuiteReport, Totals } from './model.ts';
import type { PerfScenarioReport } from '../harness/perf/model.ts';
import { writeFileAtomic } from './write.ts';

/** The `format` tag of a history entry; another tag is refused. */
export const HISTORY_FORMAT = 'paritykit-history/1';

/** Entries kept in the history folder by default; older ones are deleted when one is added. */
export const DEFAULT_HISTORY_KEEP = 200;

/** One suite in a history entry. */
export interface HistorySuite {
  name: string;
  /** Fraction in [0, 1], as `SuiteReport.parity`. */
  parity: number;
  totals: Totals;
  /** Baseline revision verified against, or null. */
  revision: string | null;
  /** Scenario id → {@link scenarioDigest} (`pass`, `accepted:…`, `diff:…`). */
  verdicts: Record<string, string>;
  /** Deviation id → its status in that run. */
  deviations: Record<string, DeviationReport['status']>;
  /** Performance ratios (candidate ÷ legacy of the primary metric, by scenario id), when the
   * suite had any (see {@link perfRatiosOf}). */
  perf?: Record<string, number>;
}

/** One run in the history folder. */
export interface HistoryEntry {
  format: typeof HISTORY_FORMAT;
  /** ISO-8601 UTC start of the run. */
  startedAt: string;
  gitCommit: string | null;
  parity: number;
  totals: Totals;
  suites: HistorySuite[];
}

/** A point of the parity trend carried by the report (`ParityReport.history`): an entry
 * without its per-scenario data. */
export interface HistoryPoint {
  startedAt: string;
  gitCommit: string | null;
  parity: number;
  totals: Totals;
  suites: Array<{ name: string; parity: number }>;
}

/**
 * A stable digest of what a scenario showed: `pass`, or the verdict, `:`, and the first 12 hex
 * digits of a SHA-256 over its non-passing channels (channel, file path, verdict and the
 * difference without its human `summary`) and, for `flaky`, the places that varied. Error
 * texts are left out (they carry temporary paths and timings), so two runs with the same
 * differences get the same digest.
 */
export function scenarioDigest(scenario: Pick<ScenarioReport, 'verdict' | 'channels' | 'flaky'>): string {
  if (scenario.verdict === 'pass') return 'pass';
  const parts = scenario.channels
    .filter((c) => c.verdict !== 'pass')
    .map((c) => {
      const { summary: _summary, ...difference } = (c.difference ?? {}) as Record<string, unknown>;
      return [c.channel, c.path ?? '', c.verdict, difference];
    });
  const material = stableJson([parts, [...(scenario.flaky?.varying ?? [])].sort()]);
  return `${scenario.verdict}:${createHash('sha256').update(material, 'utf8').digest('hex').slice(0, 12)}`;
}

/** The verdict part of a {@link scenarioDigest}. */
export function digestVerdict(digest: string): Verdict {
  return digest.split(':', 1)[0] as Verdict;
}

/** JSON with object keys sorted at every level, so equal data always gives equal text. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const record = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
  });
}

/**
 * Performance ratios of a suite from `SuiteReport.perf` (harness/perf/model.ts): for each
 * benchmarked scenario, the point estimate of its primary metric's candidate/legacy ratio
 * (oriented so that > 1 is worse), by scenario id. Read defensively — reports written before
 * performance suites existed, or a scenario whose measurement failed, simply have none.
 *
 * @returns `undefined` when the suite has no ratio at all.
 */
export function perfRatiosOf(suite: SuiteReport): Record<string, number> | undefined {
  const scenarios = (suite.perf as { scenarios?: unknown } | undefined)?.scenarios;
  if (!Array.isArray(scenarios)) return undefined;
  const out: Record<string, number> = {};
  for (const s of scenarios as Array<Partial<PerfScenarioReport> | null>) {
    if (s === null || typeof s !== 'object' || typeof s.id !== 'string' || !Array.isArray(s.metrics)) continue;
    const ratio = s.metrics.find((m) => m?.metric === s.primary)?.estimate?.ratio;
    if (typeof ratio === 'number' && Number.isFinite(ratio)) out[s.id] = ratio;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The history entry of a report. */
export function historyEntryOf(report: ParityReport): HistoryEntry {
  return {
    format: HISTORY_FORMAT,
    startedAt: report.run.startedAt,
    gitCommit: report.run.gitCommit,
    parity: report.parity,
    totals: report.totals,
    suites: report.suites.map((suite) => {
      const perf = perfRatiosOf(suite);
      return {
        name: suite.name,
        parity: suite.parity,
        totals: suite.totals,
        revision: suite.baseline.revision,
        verdicts: Object.fromEntries(suite.scenarios.map((s) => [s.id, scenarioDigest(s)])),
        deviations: Object.fromEntries((suite.deviations ?? []).map((d) => [d.id, d.status])),
        ...(perf !== undefined ? { perf } : {}),
      };
    }),
  };
}

/** The trend point of an entry. */
export function historyPointOf(entry: HistoryEntry): HistoryPoint {
  return {
    startedAt: entry.startedAt,
    gitCommit: entry.gitCommit,
    parity: entry.parity,
    totals: entry.totals,
    suites: entry.suites.map((s) => ({ name: s.name, parity: s.parity })),
  };
}

const count = z.number().int().nonnegative();
const totalsSchema = z.looseObject({ scenarios: count, pass: count, diff: count, accepted: count, flaky: count, error: count, missing: count, new: count });
const entrySchema = z.looseObject({
  format: z.literal(HISTORY_FORMAT),
  startedAt: z.string(),
  gitCommit: z.string().nullable(),
  parity: z.number().min(0).max(1),
  totals: totalsSchema,
  suites: z.array(
    z.looseObject({
      name: z.string(),
      parity: z.number().min(0).max(1),
      totals: totalsSchema,
      revision: z.string().nullable(),
      verdicts: z.record(z.string(), z.string()),
      deviations: z.record(z.string(), z.enum(['active', 'obsolete', 'expired'])),
      perf: z.record(z.string(), z.number()).optional(),
    }),
  ),
});

/**
 * Parses a history entry's JSON text.
 *
 * @throws ParityError `USAGE` naming the file and the field, when it is not an entry.
 */
export function parseHistoryEntry(text: string, file: string): HistoryEntry {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ParityError('USAGE', `${file}: not valid JSON (${(error as Error).message}); delete the file, the next verify writes a new entry`, { file, cause: error });
  }
  const result = entrySchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ParityError('USAGE', `${file}: not a paritykit history entry (${issue.path.join('.') || 'top level'}: ${issue.message}); delete the file, the next verify writes a new entry`, { file });
  }
  return result.data as HistoryEntry;
}

/** True for a parsed JSON value that looks like a history entry (rather than a report.json). */
export function isHistoryEntry(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { format?: unknown }).format === HISTORY_FORMAT;
}

/** `2026-11-21T12:41:21.123Z` → `2026-11-21T12-41-21.123Z.json` (no `:`, which Windows and
 * some artifact stores refuse; names sort in time order). */
export function historyFileName(startedAt: string): string {
  return `${startedAt.replace(/:/g, '-')}.json`;
}

/** The entry files of a history folder, oldest first (names sort by time). Missing folder: []. */
async function entryFiles(historyDir: string): Promise<string[]> {
  try {
    return (await readdir(historyDir)).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Reads the newest `limit` entries of a history folder, oldest first.
 *
 * @param historyDir - the folder itself (`parity-report/history`).
 * @throws ParityError `USAGE` when an entry is not valid (the message names the file).
 */
export async function readHistory(historyDir: string, limit = Number.POSITIVE_INFINITY): Promise<Array<HistoryEntry & { file: string }>> {
  const files = await entryFiles(historyDir);
  const chosen = files.slice(Math.max(0, files.length - limit));
  const out: Array<HistoryEntry & { file: string }> = [];
  for (const name of chosen) {
    const file = path.join(historyDir, name);
    out.push({ ...parseHistoryEntry(await readFile(file, 'utf8'), file), file });
  }
  return out;
}

/**
 * Adds an entry to a history folder (created if needed), atomically, as compact JSON named by
 * its start time (`~2`, `~3`… when two runs started in the same millisecond), then deletes
 * the oldest entries beyond `keep`.
 *
 * @param keep - entries kept (default {@link DEFAULT_HISTORY_KEEP}).
 * @returns the written file's path.
 * @throws the file system's error when the folder cannot be written.
 */
export async function writeHistoryEntry(historyDir: string, entry: HistoryEntry, keep = DEFAULT_HISTORY_KEEP): Promise<string> {
  await mkdir(historyDir, { recursive: true });
  const existing = new Set(await entryFiles(historyDir));
  let name = historyFileName(entry.startedAt);
  // `~` sorts after `.`, so a same-millisecond second entry still sorts after the first.
  for (let n = 2; existing.has(name); n++) name = historyFileName(entry.startedAt).replace(/\.json$/, `~${n}.json`);
  const file = path.join(historyDir, name);
  await writeFileAtomic(file, JSON.stringify(entry) + '\n');
  const all = await entryFiles(historyDir);
  for (const old of all.slice(0, Math.max(0, all.length - Math.max(1, keep)))) await rm(path.join(historyDir, old), { force: true });
  return file;
}
