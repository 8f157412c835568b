/**
 * Merging the partial reports of a sharded verify (`verify --shard i/n` on n machines) into
 * the report an unsharded run would have written: `paritykit report merge <folders…>`.
 *
 * Scenario reports are taken as they are (no verdict is recomputed); totals, parity and the
 * per-channel roll-ups are recomputed from them with reporters/totals.ts, exactly as
 * harness/verify-run.ts computes them, so the merged totals equal an unsharded run's.
 * Deviations are merged by id: covered scenarios are the union, the status is `expired` if any
 * shard saw it expired, else `active` when it covered anything in any shard, else `obsolete`.
 *
 * Scenario order: each partial report keeps config order within its suite; the merged suite
 * lists shard 1's scenarios, then shard 2's, and so on (the shards do not know the global
 * order).
 */
import type { DeviationReport, ParityReport, SuiteReport } from './model.ts';
import { ParityError } from '../harness/errors.ts';
import { channelTotalsOf, emptyTotals, mergeTotals, parityOf, totalsOf } from './totals.ts';

/** One partial report and where it was read from (used in messages). */
export interface PartialReport {
  report: ParityReport;
  source: string;
}

/** What {@link mergeReports} returns. */
export interface MergeResult {
  report: ParityReport;
  /** Problems that do not stop the merge: missing shards (the message names them). */
  warnings: string[];
}

/**
 * Merges partial reports.
 *
 * @throws ParityError `USAGE` when there is nothing to merge, a report is not partial (no
 *   `shard`), the reports come from different selections (config, suites, scenarios, baseline
 *   revisions), different shard counts or different commits, or two reports are the same shard;
 *   each message names the sources and the fix.
 */
export function mergeReports(partials: readonly PartialReport[]): MergeResult {
  if (partials.length === 0) throw new ParityError('USAGE', 'report merge: no reports given; pass the report folders of each `verify --shard i/n` run');
  for (const p of partials) {
    if (p.report.shard === undefined) {
      throw new ParityError('USAGE', `${p.source}: not a partial report (it has no shard); merge only reports written by \`paritykit verify --shard i/n\``, { file: p.source });
    }
  }
  const first = partials[0]!;
  const shard0 = first.report.shard!;
  for (const p of partials.slice(1)) {
    const s = p.report.shard!;
    if (s.count !== shard0.count) {
      throw new ParityError('USAGE', `${p.source}: shard ${s.index}/${s.count} cannot be merged with ${first.source} (shard ${shard0.index}/${shard0.count}): different shard counts; run every shard with the same --shard i/${shard0.count}`, { file: p.source });
    }
    if (s.selection !== shard0.selection || s.of !== shard0.of) {
      throw new ParityError(
        'USAGE',
        `${p.source}: shard ${s.index}/${s.count} ran a different selection than ${first.source} (config, suites, scenarios or baseline revisions differ: selection ${s.selection} vs ${shard0.selection}); run every shard from the same commit with the same --config, --suite and --scenario`,
        { file: p.source },
      );
    }
    if (p.report.run.gitCommit !== first.report.run.gitCommit) {
      throw new ParityError('USAGE', `${p.source}: ran at commit ${p.report.run.gitCommit ?? '(none)'}, ${first.source} at ${first.report.run.gitCommit ?? '(none)'}; merge shards of one commit only`, { file: p.source });
    }
  }
  const byIndex = new Map<number, PartialReport>();
  for (const p of partials) {
    const seen = byIndex.get(p.report.shard!.index);
    if (seen !== undefined) {
      throw new ParityError('USAGE', `${p.source} and ${seen.source} are both shard ${p.report.shard!.index}/${shard0.count}; pass each shard's report once`, { file: p.source });
    }
    byIndex.set(p.report.shard!.index, p);
  }
  const ordered = [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
  const warnings: string[] = [];
  const missing = Array.from({ length: shard0.count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    warnings.push(`shard ${missing.map((i) => `${i}/${shard0.count}`).join(', ')} missing: the merged report covers only ${ordered.length} of ${shard0.count} shards, so its totals are incomplete`);
  }

  const suites = mergeSuites(ordered.map((p) => p.report));
  const totals = suites.reduce((t, s) => mergeTotals(t, s.totals), emptyTotals());
  const starts = ordered.map((p) => Date.parse(p.report.run.startedAt));
  const ends = ordered.map((p, i) => starts[i]! + p.report.run.durationMs);
  const { shard: _shard, regression: _regression, history: _history, ...base } = first.report;
  return {
    report: {
      ...base,
      run: {
        ...first.report.run,
        startedAt: new Date(Math.min(...starts)).toISOString(),
        // wall time from the first shard's start to the last shard's end
        durationMs: Math.max(...ends) - Math.min(...starts),
        ci: ordered.some((p) => p.report.run.ci),
      },
      totals,
      parity: parityOf(totals),
      suites,
    },
    warnings,
  };
}

function mergeSuites(reports: readonly ParityReport[]): SuiteReport[] {
  const names: string[] = [];
  const parts = new Map<string, SuiteReport[]>();
  for (const r of reports) {
    for (const s of r.suites) {
      if (!parts.has(s.name)) {
        names.push(s.name);
        parts.set(s.name, []);
      }
      parts.get(s.name)!.push(s);
    }
  }
  return names.map((name) => {
    const list = parts.get(name)!;
    const first = list[0]!;
    const scenarios = list.flatMap((s) => s.scenarios);
    const totals = totalsOf(scenarios);
    const deviations = mergeDeviations(list.map((s) => s.deviations));
    return {
      ...first,
      // the baseline was loaded by every shard; take one that found it
      baseline: list.find((s) => s.baseline.revision !== null)?.baseline ?? first.baseline,
      legacy: list.find((s) => s.legacy !== null)?.legacy ?? first.legacy,
      totals,
      parity: parityOf(totals),
      channels: channelTotalsOf(scenarios),
      scenarios,
      // suite-level checks that run in one shard only (the property check runs in shard 1)
      ...(first.property === undefined && list.some((s) => s.property !== undefined) ? { property: list.find((s) => s.property !== undefined)!.property } : {}),
      ...(deviations !== undefined ? { deviations } : {}),
    };
  });
}

function mergeDeviations(lists: ReadonlyArray<DeviationReport[] | undefined>): DeviationReport[] | undefined {
  if (lists.every((l) => l === undefined)) return undefined;
  const byId = new Map<string, DeviationReport>();
  for (const list of lists) {
    for (const d of list ?? []) {
      const seen = byId.get(d.id);
      if (seen === undefined) {
        byId.set(d.id, { ...d, covered: [...d.covered] });
        continue;
      }
      seen.covered.push(...d.covered);
      if (d.status === 'expired') seen.status = 'expired';
    }
  }
  for (const d of byId.values()) if (d.status !== 'expired') d.status = d.covered.length > 0 ? 'active' : 'obsolete';
  return [...byId.values()];
}
