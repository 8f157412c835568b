// Perf parity end to end with real processes: a tiny sh CLI and a loopback HTTP service whose
// candidate is made slower by a known factor. The only timing assertions are the verdicts.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { resolvePerfOptions } from '../harness/perf/options.ts';
import { measureLegacyPerf, runPerfSuite, type PerfSuite } from '../harness/perf/run.ts';
import { verifySuitePerf } from '../harness/perf/verify.ts';
import { perfHistoryPath } from '../harness/perf/history.ts';
import { loadPerfFigures, savePerfFigures } from '../baselines/store.ts';
import type { ResolvedSuite } from '../harness/config.ts';
import type { PerfOptions } from '../harness/perf/model.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'perf');
const sleeper = path.join(fixtures, 'sleeper.sh');
const server = path.join(fixtures, 'server.mjs');
const tmpDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Legacy sleeps `legacySleep` s (default 0.05). */
function cliSuite(candidateSleep: string, perf: PerfOptions = {}, legacySleep = '0.05'): PerfSuite {
  return {
    name: 'cli',
    kind: 'command',
    rootDir: fixtures,
    timeoutMs: 10_000,
    legacy: { command: ['sh', sleeper], env: { SLEEP_S: legacySleep } },
    candidate: { command: ['sh', sleeper], env: { SLEEP_S: candidateSleep } },
    scenarios: [{ id: 'sleep', tags: ['perf'] }, { id: 'not-benchmarked' }],
    perf: resolvePerfOptions({ warmupMs: 0, runs: 2, rounds: 4, maxRounds: 8, ...perf }),
  };
}

function serviceSuite(legacyDelay: string, candidateDelay: string, perf: PerfOptions = {}): PerfSuite {
  const target = (delay: string) => ({ start: { command: [process.execPath, server], env: { DELAY_MS: delay }, ready: { url: '/health' } } });
  return {
    name: 'svc',
    kind: 'service',
    rootDir: fixtures,
    timeoutMs: 10_000,
    legacy: target(legacyDelay),
    candidate: target(candidateDelay),
    scenarios: [
      {
        id: 'create-and-read',
        tags: ['perf'],
        requests: [
          { method: 'POST', path: '/items', body: { json: { name: 'x' } }, capture: { id: { json: '$.id' } } },
          { path: '/items/{{id}}' },
        ],
      },
    ],
    perf: resolvePerfOptions({ warmupMs: 200, durationMs: 300, connections: 2, rounds: 6, maxRounds: 8, ...perf }),
  };
}

describe('perf: CLIs', () => {
  it('a candidate with an injected 30% delay fails, with the wall-time ratio near 1.3', async () => {
    // 200 ms against 260 ms: long enough that scheduler delays on a busy machine stay small.
    // On a quiet machine 6 rounds decide; on a busy one more rounds are added (up to 16).
    const report = await runPerfSuite(cliSuite('0.26', { runs: 1, rounds: 6, maxRounds: 16 }, '0.2'));
    expect(report.scenarios.map((s) => s.id)).toEqual(['sleep']);
    const s = report.scenarios[0];
    expect(s.verdict).toBe('fail');
    expect(report.verdict).toBe('fail');
    const wall = s.metrics.find((m) => m.metric === 'wallMs')!;
    expect(wall.estimate!.lower).toBeGreaterThan(1.05);
    expect(wall.estimate!.ratio).toBeGreaterThan(1.15);
    expect(wall.estimate!.ratio).toBeLessThan(1.45);
    expect(wall.aa).toBeDefined();
    expect(s.legacySource).toBe('live');
    expect(s.distribution?.candidate.source).toBe('spawn');
    expect(s.metrics.find((m) => m.metric === 'peakRssBytes')?.legacyMean).toBeGreaterThan(0);
  });

  it('identical systems do not fail', async () => {
    const report = await runPerfSuite(cliSuite('0.05', { maxRounds: 6 }));
    expect(report.scenarios[0].verdict).not.toBe('fail');
    expect(report.scenarios[0].verdict).not.toBe('error');
    const wall = report.scenarios[0].metrics.find((m) => m.metric === 'wallMs')!;
    expect(wall.estimate!.lower).toBeLessThan(1.05);
  });

  it('identical systems never fail across 20 repeated runs', async () => {
    // 20 full perf runs of the same CLI on both sides (20 ms a run, 4 ABBA rounds of 2 runs per
    // slot), each with its own bootstrap seed: none may come out `fail` (bench/perf.ts measures
    // the same with the default budget: 0/20).
    const verdicts: string[] = [];
    for (let i = 0; i < 20; i++) {
      const report = await runPerfSuite(cliSuite('0.02', { rounds: 4, maxRounds: 4 }), { seed: i + 1 });
      verdicts.push(report.scenarios[0].verdict);
    }
    expect(verdicts).toHaveLength(20);
    expect(verdicts.filter((v) => v === 'fail' || v === 'error')).toEqual([]);
  });

  it('compares with stored legacy figures when the legacy cannot run, with a warning', async () => {
    const { stored, skipped } = await measureLegacyPerf(cliSuite('0.05'));
    expect(skipped).toEqual([]);
    expect(stored.scenarios.sleep.samples).toHaveLength(8);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pk-perf-'));
    tmpDirs.push(dir);
    await savePerfFigures(dir, 'cli', stored);
    const loaded = await loadPerfFigures(dir, 'cli');
    expect(loaded?.machine.cores).toBeGreaterThan(0);
    // Four times as slow: an unpaired comparison (no ABBA pairing) is noisier; this tests the mechanism.
    const suite = { ...cliSuite('0.2'), legacy: { command: [path.join(fixtures, 'no-such-legacy')] } };
    const report = await runPerfSuite(suite, { stored: loaded });
    const s = report.scenarios[0];
    expect(s.legacySource).toBe('stored');
    expect(s.verdict, JSON.stringify({ metric: s.metrics[0], samples: s.samples })).toBe('fail');
    expect(s.metrics[0].aa).toBeUndefined();
    expect(report.warnings.join('\n')).toMatch(/legacy could not be run.*stored figures/);
  });

  it('without a runnable legacy nor stored figures the scenario is an error, not a crash', async () => {
    const suite = { ...cliSuite('0.05'), legacy: { command: [path.join(fixtures, 'no-such-legacy')] } };
    const report = await runPerfSuite(suite);
    expect(report.scenarios[0].verdict).toBe('error');
    expect(report.verdict).toBe('error');
  });

  it('verify appends the run to <reportDir>/history/perf.jsonl and shows the trend', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pk-perf-hist-'));
    tmpDirs.push(dir);
    const suite = cliSuite('0.25', { rounds: 3, runs: 1 }) as unknown as ResolvedSuite;
    const options = { baselineDir: path.join(dir, 'baselines'), reportDir: path.join(dir, 'report') };
    await verifySuitePerf(suite, { ...options, startedAt: '2026-01-01T00:00:00.000Z' });
    const second = await verifySuitePerf(suite, { ...options, startedAt: '2026-01-02T00:00:00.000Z' });
    const trend = second.scenarios[0].trend!;
    expect(trend.map((t) => t.at)).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z']);
    expect(trend[1].verdict).toBe(second.scenarios[0].verdict);
    expect(trend.every((t) => t.ratio > 2)).toBe(true);
    const lines = (await readFile(perfHistoryPath(options.reportDir), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]).suite).toBe('cli');
  });
});

describe('perf: services', () => {
  it('a service 30% slower per request fails on throughput; load replays captured ids', async () => {
    const report = await runPerfSuite(serviceSuite('20', '26', { maxRounds: 12 }));
    const s = report.scenarios[0];
    expect(s.error).toBeUndefined();
    expect(s.verdict).toBe('fail');
    const tp = s.metrics.find((m) => m.metric === 'throughput')!;
    expect(tp.estimate!.lower).toBeGreaterThan(1.05);
    // every response was 2xx: the GET used the id captured from the POST of its connection
    expect(s.metrics.find((m) => m.metric === 'non2xx')!.candidateMean).toBe(0);
    expect(s.metrics.find((m) => m.metric === 'errors')!.candidateMean).toBe(0);
    expect(s.metrics.find((m) => m.metric === 'peakRssBytes')!.candidateMean).toBeGreaterThan(1e6);
    expect(s.distribution?.legacy.source).toBe('autocannon');
  });

  it('times sub-millisecond endpoints directly', async () => {
    const report = await runPerfSuite(serviceSuite('0', '0', { rounds: 3, maxRounds: 3 }));
    const s = report.scenarios[0];
    expect(s.error).toBeUndefined();
    expect(s.distribution?.legacy.source).toBe('direct');
    expect(s.metrics.find((m) => m.metric === 'non2xx')!.legacyMean).toBe(0);
    expect(s.distribution!.legacy.points[1].ms).toBeGreaterThan(0);
  });
});

describe('perf: through the paritykit CLI', () => {
  const bin = path.join(fixtures, '..', '..', '..', 'bin', 'paritykit.js');
  const run = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '' } });

  it('record stores perf.json; verify reports the perf section and exits 1 on a perf fail', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pk-perf-cli-'));
    tmpDirs.push(dir);
    const config = (candidateSleep: string) => ({
      suites: [{
        name: 'sleepy',
        legacy: { command: ['sh', sleeper], env: { SLEEP_S: '0.05' } },
        candidate: { command: ['sh', sleeper], env: { SLEEP_S: candidateSleep } },
        scenarios: [{ id: 'nap', tags: ['perf'] }],
        perf: { warmupMs: 0, runs: 1, rounds: 4, maxRounds: 6 },
      }],
    });
    await writeFile(path.join(dir, 'paritykit.config.json'), JSON.stringify(config('0.05')));
    const rec = run(dir, 'record', '--runs', '1');
    expect(rec.status, rec.stderr).toBe(0);
    expect(rec.stdout).toMatch(/perf: legacy measured for 1 scenario/);
    const stored = JSON.parse(await readFile(path.join(dir, 'baselines', 'sleepy', 'perf.json'), 'utf8'));
    expect(stored.scenarios.nap.samples).toHaveLength(8);
    expect(stored.machine.node).toBe(process.version);

    // Five times as slow: few rounds give wide intervals; this tests the plumbing, not sensitivity.
    await writeFile(path.join(dir, 'paritykit.config.json'), JSON.stringify(config('0.25')));
    const slow = run(dir, 'verify');
    expect(slow.status, slow.stdout + slow.stderr).toBe(1);
    expect(slow.stdout).toMatch(/Performance — sleepy/);
    expect(slow.stdout).toMatch(/fail nap: wall time ratio \d+\.\d{3} \[/);
    const report = JSON.parse(await readFile(path.join(dir, 'parity-report', 'report.json'), 'utf8'));
    expect(report.suites[0].perf.scenarios[0].verdict).toBe('fail');
    expect(await readFile(path.join(dir, 'parity-report', 'summary.md'), 'utf8')).toMatch(/\| nap \| ❌ fail \|/);
    expect(await readFile(path.join(dir, 'parity-report', 'index.html'), 'utf8')).toContain('class="pk-perf-ratio"');

    // Without the perf suites the (identical-output) candidate passes.
    const skipped = run(dir, 'verify', '--no-perf');
    expect(skipped.status, skipped.stdout + skipped.stderr).toBe(0);
    expect(skipped.stdout).not.toMatch(/Performance — sleepy/);

    // Against the stored legacy figures only: still slower, still a fail, and it says so.
    const storedRun = run(dir, 'verify', '--perf-legacy', 'stored', '--no-history');
    expect(storedRun.status).toBe(1);
    const storedReport = JSON.parse(await readFile(path.join(dir, 'parity-report', 'report.json'), 'utf8'));
    expect(storedReport.suites[0].perf.scenarios[0].legacySource).toBe('stored');
  });
});
