/**
 * Benchmark of the perf verdicts (issue 7 §5): how often identical systems are called slower
 * (false alarms; target ≤ 5%) and how often a 10% slowdown is caught (detection; target ≥ 90%)
 * at the default budget (maxSlowdown 1.05) and default rounds (6, up to 16). Counts, not
 * times: the figures are verdict rates of real runs on this machine.
 *
 * Systems: test/fixtures/perf/sleeper.sh (`sh` + `sleep`: ~50 ms of which ~48 ms is the
 * sleep), legacy `SLEEP_S=0.05`; the identical candidate is the same; the 10% slower one
 * sleeps 0.055 s (its whole run is then ~9–10% longer). Each verdict is a full perf run
 * (warm-up, ABBA rounds, more rounds while inconclusive) through `runPerfSuite`.
 *
 * Run alone: `node_modules/.bin/node bench/perf.ts` (prints JSON, rewrites the perf section
 * of docs/benchmarks.md between its markers). `BENCH_PERF_RUNS` (default 20) verdicts each.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { resolvePerfOptions } from '../harness/perf/options.ts';
import { runPerfSuite, type PerfSuite } from '../harness/perf/run.ts';
import type { PerfScenarioReport } from '../harness/perf/model.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sleeper = path.join(root, 'test', 'fixtures', 'perf', 'sleeper.sh');

/** Verdict counts of one series of runs. */
export interface VerdictCounts {
  runs: number;
  pass: number;
  fail: number;
  inconclusive: number;
  error: number;
  /** Runs whose A/A showed an unsteady machine (interval widened before the verdict). */
  unsteady: number;
  /** Mean ABBA rounds a verdict took. */
  meanRounds: number;
  /** Median primary ratio measured. */
  medianRatio: number;
}

/** Figures of the perf benchmark. */
export interface PerfBenchResult {
  identical: VerdictCounts;
  slower10: VerdictCounts;
  /** Share of identical runs that failed (false alarms). */
  falseAlarmRate: number;
  /** Share of 10%-slower runs that failed (detected). */
  detectionRate: number;
  budget: number;
  /** Load average (1 min) before and after, and cores: how busy the machine was. */
  load: { before: number; after: number; cores: number };
  /** Wall time of the whole benchmark (s). */
  seconds: number;
}

function suite(candidateSleep: string): PerfSuite {
  return {
    name: 'bench-perf',
    kind: 'command',
    rootDir: root,
    timeoutMs: 10_000,
    legacy: { command: ['sh', sleeper], env: { SLEEP_S: '0.05' } },
    candidate: { command: ['sh', sleeper], env: { SLEEP_S: candidateSleep } },
    scenarios: [{ id: 'sleep', tags: ['perf'] }],
    // The defaults, except a shorter warm-up (a shell script has nothing to warm).
    perf: resolvePerfOptions({ warmupMs: 100 }),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function series(candidateSleep: string, runs: number): Promise<VerdictCounts> {
  const reports: PerfScenarioReport[] = [];
  // Each run uses its own bootstrap seed, as independent runs on different days would.
  for (let i = 0; i < runs; i++) reports.push((await runPerfSuite(suite(candidateSleep), { seed: 1000 + i })).scenarios[0]);
  const count = (v: string) => reports.filter((r) => r.verdict === v).length;
  const primary = (r: PerfScenarioReport) => r.metrics.find((m) => m.metric === r.primary);
  return {
    runs,
    pass: count('pass'),
    fail: count('fail'),
    inconclusive: count('inconclusive'),
    error: count('error'),
    unsteady: reports.filter((r) => primary(r)?.unsteady).length,
    meanRounds: reports.reduce((n, r) => n + r.rounds, 0) / Math.max(1, runs),
    medianRatio: median(reports.map((r) => primary(r)?.estimate?.ratio ?? Number.NaN).filter(Number.isFinite)),
  };
}

/** Runs both series (`runs` verdicts each, default `BENCH_PERF_RUNS` or 20), interleaved by
 * series so that machine load affects both alike. */
export async function benchPerf(runs = Number(process.env.BENCH_PERF_RUNS ?? 20)): Promise<PerfBenchResult> {
  const t0 = performance.now();
  const before = os.loadavg()[0];
  const half = Math.ceil(runs / 2);
  // identical, slower, slower, identical: ABBA at the level of series too.
  const a1 = await series('0.05', half);
  const b1 = await series('0.055', half);
  const b2 = await series('0.055', runs - half);
  const a2 = await series('0.05', runs - half);
  const merge = (x: VerdictCounts, y: VerdictCounts): VerdictCounts => ({
    runs: x.runs + y.runs,
    pass: x.pass + y.pass,
    fail: x.fail + y.fail,
    inconclusive: x.inconclusive + y.inconclusive,
    error: x.error + y.error,
    unsteady: x.unsteady + y.unsteady,
    meanRounds: (x.meanRounds * x.runs + y.meanRounds * y.runs) / Math.max(1, x.runs + y.runs),
    medianRatio: median([x.medianRatio, y.medianRatio]),
  });
  const identical = merge(a1, a2);
  const slower10 = merge(b1, b2);
  return {
    identical,
    slower10,
    falseAlarmRate: identical.fail / identical.runs,
    detectionRate: slower10.fail / slower10.runs,
    budget: 1.05,
    load: { before, after: os.loadavg()[0], cores: os.availableParallelism() },
    seconds: Math.round((performance.now() - t0) / 1000),
  };
}

const pctOf = (x: number) => `${(x * 100).toFixed(0)}%`;

/** The Markdown section of docs/benchmarks.md. */
export function perfSection(r: PerfBenchResult): string[] {
  const row = (name: string, c: VerdictCounts) => `| ${name} | ${c.runs} | ${c.pass} | ${c.inconclusive} (${c.unsteady} unsteady) | ${c.fail} | ${c.error} | ${c.meanRounds.toFixed(1)} | ${c.medianRatio.toFixed(3)} |`;
  return [
    '## Perf verdicts: false alarms and detection',
    '',
    `\`node_modules/.bin/node bench/perf.ts\` (also part of \`npm run bench\`): ${r.identical.runs} full perf runs of identical systems and ${r.slower10.runs} of a candidate 10% slower, at the default budget (candidate/legacy ≤ ${r.budget}, 90% bootstrap interval, 6 ABBA rounds, up to 16 while inconclusive). The systems are \`test/fixtures/perf/sleeper.sh\` (sh + sleep, ~50 ms a run; the slower one sleeps 55 ms). Each run is a real \`runPerfSuite\` with its own bootstrap seed.`,
    '',
    '| candidate | runs | pass | inconclusive | fail | error | mean rounds | median ratio |',
    '|---|---|---|---|---|---|---|---|',
    row('identical', r.identical),
    row('10% slower', r.slower10),
    '',
    `- **False-alarm rate** (identical systems called \`fail\`): **${pctOf(r.falseAlarmRate)}** (target ≤ 5%).`,
    `- **Detection rate** (10% slower called \`fail\`): **${pctOf(r.detectionRate)}** (target ≥ 90%).`,
    `- Machine: ${r.load.cores} cores, load average ${r.load.before.toFixed(1)} before and ${r.load.after.toFixed(1)} after (other work was running); ${r.seconds} s in all.`,
    '',
    'A 10% slowdown against a 5% budget is caught when the interval\'s lower bound clears 1.05: the interval must be narrower than ±4%, which the ABBA pairing gives on a quiet machine within 6–16 rounds. Identical systems give `pass` or `inconclusive`; `fail` would need the lower bound above 1.05 by chance. See docs/performance.md.',
    '',
  ];
}

const START = '<!-- perf:start -->';
const END = '<!-- perf:end -->';

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchPerf();
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  const file = path.join(root, 'docs', 'benchmarks.md');
  const doc = readFileSync(file, 'utf8');
  const section = [START, ...perfSection(r), END].join('\n');
  const i = doc.indexOf(START);
  const j = doc.indexOf(END);
  writeFileSync(file, i >= 0 && j > i ? doc.slice(0, i) + section + doc.slice(j + END.length) : `${doc.trimEnd()}\n\n${section}\n`);
}
