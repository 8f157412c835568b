import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import type { Verdict } from '../harness/model.ts';
import { HOSTILE_STRINGS, reportOf, suiteOf } from './fixtures.ts';
import { historyEntryOf, writeHistoryEntry } from './history.ts';
import type { DeviationReport, ParityReport, ScenarioReport, SuiteReport } from './model.ts';
import { renderJson } from './json.ts';
import { attachRegression, compareRuns, findPreviousRun, hasRegressionChanges } from './regression.ts';
import { parityDelta, renderRegressionHtml, renderRegressionMarkdown, renderRegressionTerminal, renderTrendSvg, sparkline } from './regression-section.ts';
import { renderMarkdown } from './markdown.ts';

const identity = { legacy: null, candidate: { command: ['c'], version: null, gitCommit: null }, revision: 'r1', recordedAt: null };

/** A scenario with `verdict`; a failing one differs on stdout with `text` as its diff. */
function sc(id: string, verdict: Verdict, text = 'x'): ScenarioReport {
  if (verdict === 'pass') return { id, tags: [], verdict, durationMs: 1, channels: [{ channel: 'stdout', verdict: 'pass' }] };
  return {
    id,
    tags: [],
    verdict,
    durationMs: 1,
    channels: [{ channel: 'stdout', verdict: verdict === 'accepted' ? 'accepted' : 'diff', difference: { kind: 'value', summary: 's', unified: text, legacy: 'a', candidate: text } }],
  };
}

function suite(name: string, scenarios: ScenarioReport[], deviations?: Array<Pick<DeviationReport, 'id' | 'status'>>): SuiteReport {
  const s = suiteOf(name, scenarios, identity);
  if (deviations) s.deviations = deviations.map((d) => ({ ...d, reason: 'r', channel: 'stdout', covered: [] }));
  return s;
}

function run(startedAt: string, suites: SuiteReport[]): ParityReport {
  return reportOf(suites, { startedAt });
}

describe('compareRuns', () => {
  const before = run('2026-01-01T00:00:00.000Z', [
    suite('cli', [sc('a', 'pass'), sc('b', 'diff', 'one'), sc('c', 'diff', 'two'), sc('d', 'pass'), sc('e', 'error'), sc('gone', 'pass'), sc('n', 'new')], [
      { id: 'dev-old', status: 'active' },
      { id: 'dev-exp', status: 'active' },
    ]),
    suite('removed-suite', [sc('z', 'pass')]),
  ]);
  const now = run('2026-01-02T00:00:00.000Z', [
    suite('cli', [sc('a', 'diff', 'new diff'), sc('b', 'pass'), sc('c', 'diff', 'three'), sc('d', 'accepted'), sc('e', 'error'), sc('added', 'diff'), sc('n', 'diff')], [
      { id: 'dev-exp', status: 'expired' },
      { id: 'dev-new', status: 'active' },
    ]),
  ]);
  const r = compareRuns(historyEntryOf(before), historyEntryOf(now), 'prev/report.json');

  it('lists newly differing, newly passing and changed differences', () => {
    expect(r.newlyDiffering).toEqual([
      { suite: 'cli', id: 'a', before: 'pass', now: 'diff' },
      { suite: 'cli', id: 'n', before: 'new', now: 'diff' },
    ]);
    expect(r.newlyPassing).toEqual([{ suite: 'cli', id: 'b', before: 'diff', now: 'pass' }]);
    // c differs differently; e is the same error both times (not listed); d went pass → accepted (not a regression)
    expect(r.changedDiffs).toEqual([{ suite: 'cli', id: 'c', before: 'diff', now: 'diff' }]);
  });

  it('lists added and removed scenarios, including a removed suite', () => {
    expect(r.added).toEqual([{ suite: 'cli', id: 'added', before: null, now: 'diff' }]);
    expect(r.removed).toEqual([
      { suite: 'cli', id: 'gone', before: 'pass', now: null },
      { suite: 'removed-suite', id: 'z', before: 'pass', now: null },
    ]);
    expect(r.counts).toEqual({ newlyDiffering: 2, newlyPassing: 1, changedDiffs: 1, added: 1, removed: 2 });
  });

  it('lists deviations added, newly expired and gone', () => {
    expect(r.deviations).toEqual({
      added: [{ suite: 'cli', id: 'dev-new' }],
      expired: [{ suite: 'cli', id: 'dev-exp' }],
      gone: [{ suite: 'cli', id: 'dev-old' }],
    });
  });

  it('gives parity per suite then and now', () => {
    expect(r.parity).toEqual({ before: before.parity, now: now.parity });
    expect(r.suites).toEqual([
      { name: 'cli', parityBefore: 3 / 7, parityNow: 2 / 7 },
      { name: 'removed-suite', parityBefore: 1, parityNow: null },
    ]);
    expect(r.previous).toEqual({ source: 'prev/report.json', startedAt: before.run.startedAt, gitCommit: before.run.gitCommit, parity: before.parity });
  });

  it('gives performance ratios then and now when a suite has them', () => {
    const withPerf = (report: ParityReport, ratio: number) => ({
      ...report,
      suites: report.suites.map((s) => ({ ...s, perf: { scenarios: [{ id: 'startup', primary: 'wallMs', metrics: [{ metric: 'wallMs', estimate: { ratio, lower: ratio, upper: ratio, confidence: 0.9, n: 6, paired: true } }] }] } })) as unknown as ParityReport['suites'],
    });
    const p = compareRuns(historyEntryOf(withPerf(before, 1.1)), historyEntryOf(withPerf(now, 1.4)), 'x');
    expect(p.suites[0]!.perf).toEqual([{ name: 'startup', before: 1.1, now: 1.4 }]);
  });

  it('says nothing changed when the runs are the same', () => {
    const same = compareRuns(historyEntryOf(now), historyEntryOf(now), 'x');
    expect(hasRegressionChanges(same)).toBe(false);
    expect(hasRegressionChanges(r)).toBe(true);
  });
});

describe('findPreviousRun and attachRegression', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-regression-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const r1 = run('2026-01-01T00:00:00.000Z', [suite('cli', [sc('a', 'pass'), sc('b', 'pass')])]);
  const r2 = run('2026-01-02T00:00:00.000Z', [suite('cli', [sc('a', 'diff'), sc('b', 'pass')])]);
  const r3 = run('2026-01-03T00:00:00.000Z', [suite('cli', [sc('a', 'pass'), sc('b', 'pass')])]);

  it('without --compare: no previous run at first, then the newest history entry; the trend grows', async () => {
    const reportDir = path.join(dir, 'parity-report');
    const first = await attachRegression(r1, { reportDir });
    expect(first.regression).toBeUndefined();
    expect(first.history?.map((p) => p.parity)).toEqual([1]);
    const second = await attachRegression(r2, { reportDir, cwd: dir });
    expect(second.regression?.newlyDiffering).toEqual([{ suite: 'cli', id: 'a', before: 'pass', now: 'diff' }]);
    expect(second.regression?.previous.source).toBe(path.join('parity-report', 'history', '2026-01-01T00-00-00.000Z.json'));
    const third = await attachRegression(r3, { reportDir, trendSize: 2 });
    expect(third.regression?.newlyPassing.map((c) => c.id)).toEqual(['a']);
    expect(third.history?.map((p) => p.startedAt)).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z']);
    expect(await readdir(path.join(reportDir, 'history'))).toHaveLength(3);
  });

  it('a partial run (--suite/--scenario) is compared on what it ran only, and not added to the history', async () => {
    const reportDir = path.join(dir, 'parity-report');
    const full = run('2026-01-01T00:00:00.000Z', [suite('cli', [sc('a', 'pass'), sc('b', 'diff'), sc('c', 'diff')]), suite('other', [sc('z', 'diff')])]);
    await attachRegression(full, { reportDir });
    const onlyA = run('2026-01-02T00:00:00.000Z', [suite('cli', [sc('a', 'diff')])]);
    const partial = await attachRegression(onlyA, { reportDir, partial: true });
    const r = partial.regression!;
    expect(r.removed).toEqual([]);
    expect(r.newlyDiffering.map((c) => c.id)).toEqual(['a']);
    // "then" covers the same scenario as "now": a passed
    expect(r.parity).toEqual({ before: 1, now: 0 });
    expect(r.suites).toEqual([{ name: 'cli', parityBefore: 1, parityNow: 0 }]);
    expect(await readdir(path.join(reportDir, 'history'))).toHaveLength(1);
  });

  it('writeHistory: false leaves the folder alone', async () => {
    await attachRegression(r1, { reportDir: dir, writeHistory: false });
    expect(await readdir(dir)).toEqual([]);
  });

  it('--compare accepts a report.json, a report folder, its history folder or a history entry', async () => {
    await mkdir(path.join(dir, 'prev', 'history'), { recursive: true });
    await writeFile(path.join(dir, 'prev', 'report.json'), renderJson(r1));
    const entry = await writeHistoryEntry(path.join(dir, 'old', 'history'), historyEntryOf(r2));
    expect((await findPreviousRun('prev/report.json', dir, dir))?.entry.startedAt).toBe(r1.run.startedAt);
    expect((await findPreviousRun('prev', dir, dir))?.source).toBe(path.join('prev', 'report.json'));
    expect((await findPreviousRun('old', dir, dir))?.entry.startedAt).toBe(r2.run.startedAt);
    expect((await findPreviousRun('old/history', dir, dir))?.entry.startedAt).toBe(r2.run.startedAt);
    expect((await findPreviousRun(path.relative(dir, entry), dir, dir))?.entry.startedAt).toBe(r2.run.startedAt);
  });

  it('--compare refuses a missing path or a folder without reports, saying what it looked for', async () => {
    await expect(findPreviousRun('nope', dir, dir)).rejects.toThrow(/--compare nope: no such file or folder; pass a previous report.json/);
    await mkdir(path.join(dir, 'empty'));
    const error = await findPreviousRun('empty', dir, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParityError);
    expect((error as ParityError).message).toMatch(/found neither report.json nor history entries/);
    await writeFile(path.join(dir, 'bad.json'), '{"formatVersion":1}');
    await expect(findPreviousRun('bad.json', dir, dir)).rejects.toThrow(/bad\.json: .*re-run paritykit verify/);
  });
});

describe('regression section renderers', () => {
  const hostile = HOSTILE_STRINGS[0]!;
  const before = run('2026-01-01T00:00:00.000Z', [suite('cli', [sc('a', 'pass'), sc('b', 'diff')])]);
  const now = run('2026-01-02T00:00:00.000Z', [suite('cli', [sc('a', 'diff'), sc('b', 'pass'), sc('c', 'pass')])]);
  const regression = compareRuns(historyEntryOf(before), historyEntryOf(now), 'parity-report/history/x.json');
  const points = [historyEntryOf(before), historyEntryOf(now)].map((e) => ({ startedAt: e.startedAt, gitCommit: e.gitCommit, parity: e.parity, totals: e.totals, suites: e.suites.map((s) => ({ name: s.name, parity: s.parity })) }));
  const report: ParityReport = { ...now, regression, history: points };

  it('renders nothing without a regression or a trend', () => {
    expect(renderRegressionMarkdown(now)).toEqual([]);
    expect(renderRegressionHtml(now)).toEqual([]);
    expect(renderRegressionTerminal(now)).toBe('');
  });

  it('Markdown: parity then and now, the lists, the trend sparkline; inside summary.md', () => {
    const md = renderRegressionMarkdown(report).join('\n');
    expect(md).toContain('### Since the previous run');
    expect(md).toContain('parity **50.0% → 66.7%** (+16.7 pts)');
    expect(md).toMatch(/<details open><summary>Newly differing \(1\)<\/summary>\n\n- <code>cli › a<\/code> pass → diff/);
    expect(md).toMatch(/Newly passing \(1\)[\s\S]*<code>cli › b<\/code> diff → pass/);
    expect(md).toMatch(/Scenarios added \(1\)[\s\S]*cli › c/);
    expect(md).toContain(`Parity trend, last 2 runs: ${sparkline([0.5, 2 / 3])} 50.0% → 66.7%`);
    expect(renderMarkdown(report)).toContain('### Since the previous run');
  });

  it('HTML: a section with deep links and an inline SVG trend, nothing from the systems left unescaped', () => {
    const evil = `${hostile}"'<>&`;
    const r = compareRuns(historyEntryOf(run('2026-01-01T00:00:00.000Z', [suite(evil, [sc(evil, 'pass')])])), historyEntryOf(run('2026-01-02T00:00:00.000Z', [suite(evil, [sc(evil, 'diff')])])), evil);
    const html = renderRegressionHtml({ ...report, regression: r, history: points.map((p) => ({ ...p, suites: [{ name: evil, parity: p.parity }, { name: 'other', parity: 1 }] })) }).join('\n');
    expect(html).toContain('<section id="regression"');
    expect(html).toContain(`href="#${encodeURIComponent(evil).replace(/'/g, '&#39;')}/`);
    expect(html).not.toContain(hostile);
    expect(html).not.toMatch(/<(script|img|iframe)\b/i);
    expect(html).toContain('<svg class="parity-trend"');
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it('SVG: one point per run, y from 100% (top) to 0% (bottom)', () => {
    const svg = renderTrendSvg([
      { ...points[0]!, parity: 1 },
      { ...points[1]!, parity: 0 },
    ]);
    const circles = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(circles).toHaveLength(2);
    expect(circles[0]![1]).toBeLessThan(circles[1]![1]);
    expect(circles[0]![0]).toBeLessThan(circles[1]![0]);
    expect(svg).not.toContain('http://www.w3.org/1999/xlink');
  });

  it('terminal: one line with the counts', () => {
    expect(renderRegressionTerminal(report)).toBe(
      'Since 2026-01-01 00:00:00 UTC (parity-report/history/x.json): parity 50.0% → 66.7% (+16.7 pts); 1 newly differing, 1 newly passing, 0 with changed differences, 1 added\n',
    );
    expect(parityDelta(0.5, 0.5)).toBe('±0 pts');
    expect(parityDelta(0.9, 0.85)).toBe('−5.0 pts');
    expect(parityDelta(null, 1)).toBe('–');
  });
});
