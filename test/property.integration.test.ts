// Property suites end to end on real processes (test/fixtures/property): a tiny ledger CLI as the
// legacy, and a candidate with one planted divergence (negative amounts are rejected) that no
// recorded scenario shows. The property check must find it, shrink it, save it; verify must
// replay it without the legacy; a seed (and a path) must reproduce a run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsBaselineStore, loadBaseline } from '../baselines/store.ts';
import { loadConfig, type ResolvedSuite } from '../harness/config.ts';
import { parseCsv } from '../suites/arbitraries.ts';
import { runPropertyCheck, type PropertyReport } from '../harness/property.ts';
import type { Scenario } from '../harness/model.ts';
import type { ParityReport } from '../reporters/model.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'paritykit.js');
const fixture = path.join(root, 'test', 'fixtures', 'property');

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'paritykit-property-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function paritykit(dir: string, env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: fixture,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '', PK_PROP_DIR: dir, ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function report(dir: string): ParityReport {
  return JSON.parse(readFileSync(path.join(dir, 'report', 'report.json'), 'utf8')) as ParityReport;
}

/** The cells where two CSV texts differ: [row, column, a, b]. */
function cellDiff(a: string, b: string): Array<[number, number, string, string]> {
  const ra = parseCsv(a);
  const rb = parseCsv(b);
  expect(rb.length).toBe(ra.length);
  const out: Array<[number, number, string, string]> = [];
  ra.forEach((row, r) => row.forEach((cell, c) => {
    if (rb[r][c] !== cell) out.push([r, c, cell, rb[r][c]]);
  }));
  return out;
}

async function suiteWith(dir: string, candidate: 'same' | 'negative'): Promise<ResolvedSuite> {
  process.env.PK_PROP_DIR = dir;
  process.env.PK_PROP_CANDIDATE = candidate;
  try {
    // The config module is evaluated once per process, so the candidate is set here.
    const suite = (await loadConfig(fixture)).suites[0];
    const script = candidate === 'negative' ? 'ledger-candidate.mjs' : 'ledger-legacy.mjs';
    return { ...suite, candidate: { command: [process.execPath, script], cwd: fixture } };
  } finally {
    delete process.env.PK_PROP_DIR;
    delete process.env.PK_PROP_CANDIDATE;
  }
}

describe('property suite on a CLI', () => {
  let dir: string;
  let first: PropertyReport;

  it('finds the planted divergence, shrinks it to one negative amount, saves it, and fails verify', () => {
    dir = path.join(work, 'planted');
    expect(paritykit(dir, {}, 'record').code).toBe(0);
    const run = paritykit(dir, { PK_PROP_CANDIDATE: 'negative' }, 'verify');
    expect(run.code).toBe(1);
    const suite = report(dir).suites[0];
    // The recorded scenarios all pass: only the property check finds the divergence.
    expect(suite.totals.pass).toBe(3);
    first = suite.property!;
    expect(first.seed).toBe(1234);
    expect(first.counterexamples).toHaveLength(1);
    const cx = first.counterexamples[0];
    expect(cx.id).toMatch(/^property-mini-[0-9a-f]{12}$/);
    expect(cx.saved).toBe(true);
    expect(cx.input.tags).toContain('property');
    // Minimal: a recorded scenario with exactly one change, an amount made negative.
    expect(cx.input.args).toEqual(['tx.csv']);
    const changes = cellDiff('account,amount\nbank,12.50\nfood,3.20\nbank,100.00\n', cx.input.files!['tx.csv']);
    expect(changes).toHaveLength(1);
    const [, column, , now] = changes[0];
    expect(column).toBe(1);
    expect(Number(now)).toBeLessThan(0);
    expect(cx.channels.filter((c) => c.verdict === 'diff').map((c) => c.channel).sort()).toEqual(['stderr', 'stdout']);
    expect(cx.candidate.stderr).toMatch(/negative amount/);
    expect(first.path).toMatch(/^\d+(:\d+)*$/);
    expect(run.stdout).toContain(`--seed 1234 --path ${first.path}`);
  });

  it('stored the counterexample in the baseline with the legacy\'s observation', async () => {
    const cx = first.counterexamples[0];
    const baseline = await loadBaseline(path.join(dir, 'baselines'), 'mini');
    const stored = baseline!.scenarios.get(cx.id)!;
    expect(stored.input.tags).toContain('property');
    expect(stored.input.files).toEqual(cx.input.files);
    // The legacy accepts the negative amount: bank is 12.50 lower than it would be, or more.
    expect(stored.observation.stdout.toString()).toMatch(/^bank: -?\d+\.\d\d\nfood: 3\.20\n$/);
    expect(stored.observation.stderr.toString()).toBe('');
  });

  it('replays the saved counterexample in verify without the legacy, and says so', () => {
    const run = paritykit(dir, { PK_PROP_CANDIDATE: 'negative', PK_PROP_LEGACY: 'not-here.mjs' }, 'verify', '--ci');
    expect(run.code).toBe(1);
    const suite = report(dir).suites[0];
    const id = first.counterexamples[0].id;
    const replayed = suite.scenarios.find((s) => s.id === id)!;
    expect(replayed.verdict).toBe('diff');
    expect(suite.unreferenced).toBeUndefined();
    expect(suite.property!.legacyRunnable).toBe(false);
    expect(suite.property!.note).toMatch(/legacy not runnable .*not-here\.mjs.*only the 1 saved counterexample/);
    // A fixed candidate passes the saved counterexample without any legacy.
    const fixed = paritykit(dir, { PK_PROP_CANDIDATE: 'same' }, 'verify', '--ci', '--no-legacy');
    expect(fixed.code).toBe(0);
    expect(report(dir).suites[0].scenarios.find((s) => s.id === id)!.verdict).toBe('pass');
  });

  it('verify --property --seed --path replays exactly the reported counterexample', () => {
    const run = paritykit(dir, { PK_PROP_CANDIDATE: 'negative' }, 'verify', '--property', '--ci', '--seed', '1234', '--path', first.path!);
    expect(run.code).toBe(1);
    const suite = report(dir).suites[0];
    // --property skips the recorded scenarios; the saved counterexample is replayed.
    expect(suite.scenarios.map((s) => s.id)).toEqual([first.counterexamples[0].id]);
    expect(suite.property!.runs).toBe(1);
    expect(suite.property!.counterexamples[0].id).toBe(first.counterexamples[0].id);
    expect(suite.property!.counterexamples[0].saved).toBe(false);
  });

  it('the same seed in another process finds the same counterexample at the same path', async () => {
    const suite = await suiteWith(path.join(work, 'other'), 'negative');
    const dir2 = path.join(work, 'other');
    const again = await runPropertyCheck(suite, { store: createFsBaselineStore(path.join(dir2, 'baselines')), ci: true });
    expect(again.counterexamples[0].id).toBe(first.counterexamples[0].id);
    expect(again.path).toBe(first.path);
    expect(again.runs).toBe(first.runs);
  });
});

describe('property suite with an identical candidate', () => {
  it('finds no counterexample in N runs, and a fixed seed generates the same scenarios', async () => {
    const dir = path.join(work, 'same');
    const suite = await suiteWith(dir, 'same');
    const store = createFsBaselineStore(path.join(dir, 'baselines'));
    const runOnce = async () => {
      const seen: Scenario[] = [];
      const r = await runPropertyCheck({ ...suite, property: { ...suite.property!, numRuns: 15 } }, { store, ci: true, seed: 99, onRun: (s) => seen.push(s) });
      return { r, seen };
    };
    const a = await runOnce();
    expect(a.r.error).toBeUndefined();
    expect(a.r.counterexamples).toEqual([]);
    expect(a.r.runs).toBe(15);
    expect(a.seen).toHaveLength(15);
    // The generated scenarios are real variations, not the recorded ones replayed.
    expect(new Set(a.seen.map((s) => s.id)).size).toBeGreaterThan(8);
    const b = await runOnce();
    expect(b.seen).toEqual(a.seen);
  });
});
