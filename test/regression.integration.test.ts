// The regression report on real runs: a scripted sequence of verify runs (baseline passes →
// the candidate breaks → it breaks differently → it is fixed → a deviation accepts a change;
// deviations that disappear are covered by reporters/regression.test.ts)
// must give the expected regression sections, and the history must grow one entry per run.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParityReport } from '../reporters/model.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'paritykit.js');

// A tiny CLI whose behaviour the test steers through the candidate's environment.
const APP = `
const [cmd, arg] = process.argv.slice(2);
if (cmd === 'greet') console.log((process.env.GREETING ?? 'Hi') + ', ' + arg + '!');
else if (cmd === 'sum') console.log(String(arg.split('+').map(Number).reduce((a, b) => a + b, 0) + Number(process.env.SUM_BIAS ?? 0)));
`;

let dir: string;

function configure(candidateEnv: Record<string, string>, deviations = ''): void {
  const app = path.join(dir, 'app.mjs');
  const config = {
    suites: [
      {
        name: 'app',
        legacy: { command: [process.execPath, app] },
        candidate: { command: [process.execPath, app], env: candidateEnv },
        scenarios: [
          { id: 'greet-ann', args: ['greet', 'Ann'] },
          { id: 'greet-bob', args: ['greet', 'Bob'] },
          { id: 'sum-1', args: ['sum', '1+2'] },
          { id: 'sum-2', args: ['sum', '3+4'] },
        ],
        concurrency: 4,
        reruns: 0,
      },
    ],
  };
  writeFileSync(path.join(dir, 'paritykit.config.json'), JSON.stringify(config, null, 2));
  writeFileSync(path.join(dir, 'deviations.yaml'), deviations);
}

function paritykit(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '', GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function verify(...args: string[]): { report: ParityReport; stdout: string; code: number } {
  const r = paritykit('verify', ...args);
  expect(r.code, r.stderr).not.toBe(2);
  return { report: JSON.parse(readFileSync(path.join(dir, 'parity-report', 'report.json'), 'utf8')) as ParityReport, stdout: r.stdout, code: r.code };
}

const ids = (list: Array<{ id: string }> | undefined) => (list ?? []).map((c) => c.id).sort();
const history = () => readdirSync(path.join(dir, 'parity-report', 'history')).filter((f) => f.endsWith('.json'));

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'paritykit-regression-'));
  writeFileSync(path.join(dir, 'app.mjs'), APP);
  configure({});
  const rec = paritykit('record', '--runs', '1');
  expect(rec.code, rec.stderr).toBe(0);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('regression report across runs', () => {
  it('run 1 (candidate = legacy): everything passes, no previous run, one history entry', () => {
    const { report, code } = verify();
    expect(code).toBe(0);
    expect(report.parity).toBe(1);
    expect(report.regression).toBeUndefined();
    expect(report.history).toHaveLength(1);
    expect(history()).toHaveLength(1);
  });

  it('run 2 (greeting changed): the greet scenarios are newly differing', () => {
    configure({ GREETING: 'Hello' });
    const { report, stdout, code } = verify();
    expect(code).toBe(1);
    const r = report.regression!;
    expect(ids(r.newlyDiffering)).toEqual(['greet-ann', 'greet-bob']);
    expect(r.newlyDiffering[0]).toMatchObject({ suite: 'app', before: 'pass', now: 'diff' });
    expect(r.newlyPassing).toEqual([]);
    expect(r.changedDiffs).toEqual([]);
    expect(r.parity).toEqual({ before: 1, now: 0.5 });
    expect(r.suites).toEqual([{ name: 'app', parityBefore: 1, parityNow: 0.5 }]);
    expect(r.previous.source).toMatch(/^parity-report\/history\/.*\.json$/);
    expect(stdout).toMatch(/Since .*: parity 100% → 50\.0% \(−50\.0 pts\); 2 newly differing, 0 newly passing, 0 with changed differences/);
    const summary = readFileSync(path.join(dir, 'parity-report', 'summary.md'), 'utf8');
    expect(summary).toContain('### Since the previous run');
    expect(summary).toContain('Newly differing (2)');
    const html = readFileSync(path.join(dir, 'parity-report', 'index.html'), 'utf8');
    expect(html).toContain('<section id="regression"');
    expect(html).toContain('href="#app/greet-ann"');
    expect(html).toContain('<svg class="parity-trend"');
    expect(report.history!.map((p) => p.parity)).toEqual([1, 0.5]);
    cpSync(path.join(dir, 'parity-report'), path.join(dir, 'run-2'), { recursive: true });
  });

  it('run 3 (greeting changed again, sums broken): greet diffs changed, sums newly differing', () => {
    configure({ GREETING: 'Howdy', SUM_BIAS: '1' });
    const r = verify().report.regression!;
    expect(ids(r.changedDiffs)).toEqual(['greet-ann', 'greet-bob']);
    expect(ids(r.newlyDiffering)).toEqual(['sum-1', 'sum-2']);
    expect(r.parity).toEqual({ before: 0.5, now: 0 });
  });

  it('run 4 (fixed): every scenario newly passing', () => {
    configure({});
    const { report, code } = verify();
    expect(code).toBe(0);
    expect(ids(report.regression!.newlyPassing)).toEqual(['greet-ann', 'greet-bob', 'sum-1', 'sum-2']);
    expect(report.regression!.newlyDiffering).toEqual([]);
    expect(report.history!.map((p) => p.parity)).toEqual([1, 0.5, 0, 1]);
  });

  it('run 5 (a deviation accepts the new greeting, one has expired), compared with run 2 by --compare', () => {
    configure(
      { GREETING: 'Hello' },
      [
        '- id: greet-wording',
        '  suite: app',
        '  scenarios: greet-*',
        '  channel: stdout',
        '  reason: the rewrite says Hello',
        '- id: old-sum-format',
        '  suite: app',
        '  scenarios: sum-*',
        '  channel: stdout',
        '  reason: an old change, since reverted',
        '  expires: 2020-01-01',
        '',
      ].join('\n'),
    );
    const { report } = verify('--compare', 'run-2');
    const r = report.regression!;
    expect(r.previous.source).toBe(path.join('run-2', 'report.json'));
    expect(r.deviations.added).toEqual([
      { suite: 'app', id: 'greet-wording' },
      { suite: 'app', id: 'old-sum-format' },
    ]);
    expect(r.deviations.expired).toEqual([{ suite: 'app', id: 'old-sum-format' }]);
    expect(r.deviations.gone).toEqual([]);
    // diff in run 2 → accepted now
    expect(r.newlyPassing).toEqual([
      { suite: 'app', id: 'greet-ann', before: 'diff', now: 'accepted' },
      { suite: 'app', id: 'greet-bob', before: 'diff', now: 'accepted' },
    ]);
    expect(r.parity).toEqual({ before: 0.5, now: 1 });
    expect(history()).toHaveLength(5);
  });

  it('--no-history neither compares nor writes an entry', () => {
    const { report } = verify('--no-history');
    expect(report.regression).toBeUndefined();
    expect(report.history).toBeUndefined();
    expect(history()).toHaveLength(5);
  });
});
