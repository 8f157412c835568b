// Proves that paritykit's verdicts are truthful (issue 5 §5), through the real CLI:
// - A/A: the deliberately noisy legacy (legacy.mjs), recorded with `record --runs 3` and no
//   normalizers, verified against itself gives zero differences, with the learned noise listed;
// - every mutant (mutants.json, one changed behaviour each) gives `diff` on exactly the declared
//   scenarios and channels, and every other scenario still passes;
// - equivalent mutants (same behaviour, other bytes) pass;
// - a deviation covering one mutant turns its diff into `accepted`, and covers nothing else;
// - controls: without noise learning the same A/A run fails exactly on the noisy scenarios
//   (the noise is real), and with NOISE=0 the legacy agrees with itself (nothing learned).
// Everything runs in temporary copies of this folder; nothing is written into the repo.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBaseline } from '../../baselines/store.ts';
import { readScenarioFile } from '../../harness/config.ts';
import {
  DEVIATION,
  EQUIVALENTS,
  MUTANTS,
  NOISY_PLACES,
  SUITE,
  cloneWorkspace,
  createWorkspace,
  differingPlaces,
  falseDifferences,
  judgeMutant,
  recordLegacy,
  verifyCandidate,
  verifyMutants,
  writeDeviation,
  type VerifyOutcome,
  type Workspace,
} from './driver.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const RUNS = 3;
/** ms: record + ~60 verify runs through the CLI, 1–2 s each, on 2 cores. */
const SLOW = 600_000;

/** Noise places of a scenario report: `stdout`, `files:totals.json`, … sorted, unique. */
function noisePlaces(outcome: VerifyOutcome, id: string): string[] {
  const rules = outcome.scenarios.get(id)?.noise ?? [];
  return [...new Set(rules.map((r) => (r.channel === 'files' ? `files:${r.path ?? ''}` : r.channel)))].sort();
}

describe('the verdicts fixture', () => {
  it('declares at least 40 distinct mutants on existing scenarios and channels, each implemented in legacy.mjs', async () => {
    const scenarios = new Set((await readScenarioFile(path.join(here, 'scenarios.yaml'))).map((s) => s.id));
    const source = await readFile(path.join(here, 'legacy.mjs'), 'utf8');
    const names = [...MUTANTS.map((m) => m.name), ...EQUIVALENTS.map((e) => e.name)];
    expect(MUTANTS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(names).size).toBe(names.length);
    for (const m of MUTANTS) {
      expect(m.scenarios.length, m.name).toBeGreaterThan(0);
      for (const id of m.scenarios) expect(scenarios, `${m.name}: scenario ${id}`).toContain(id);
      expect(m.channels.length, m.name).toBeGreaterThan(0);
      for (const c of m.channels) expect(c, m.name).toMatch(/^(stdout|stderr|exit|files:.+)$/);
    }
    for (const name of names) expect(source, `legacy.mjs never checks mutant('${name}')`).toContain(`mutant('${name}')`);
    for (const id of Object.keys(NOISY_PLACES)) expect(scenarios).toContain(id);
  });
});

describe(`paritykit on the noisy legacy, recorded with --runs ${RUNS}`, () => {
  let ws: Workspace;
  let aa: VerifyOutcome;

  beforeAll(async () => {
    ws = await createWorkspace();
    const record = await recordLegacy(ws, RUNS);
    expect(record.stdout).not.toMatch(/non-deterministic/);
    aa = await verifyCandidate(ws, 'aa');
  }, SLOW);
  afterAll(async () => {
    await ws?.remove();
  });

  it('A/A: the legacy verified against itself has zero differences', () => {
    expect(falseDifferences(aa)).toEqual([]);
    expect(aa.run.code).toBe(0);
    expect(aa.report.totals.pass).toBe(aa.scenarios.size);
  });

  it('A/A: the report lists the learned noise, exactly where the legacy is noisy', () => {
    for (const [id, s] of aa.scenarios) {
      expect(s.nondeterministic, id).toBeUndefined();
      expect(noisePlaces(aa, id), `noise learned for scenario ${id}`).toEqual([...(NOISY_PLACES[id] ?? [])].sort());
      for (const rule of s.noise ?? []) {
        // An order-only rule (a reordered array or text) has no single varying value to show.
        const orderOnly = 'unordered' in rule.where && rule.where.unordered === true;
        if (!orderOnly) expect(rule.values.length, `${id}: values seen at ${JSON.stringify(rule.where)}`).toBeGreaterThan(1);
      }
    }
    // The kinds of noise the legacy has, each found: a varying text line, a JSON leaf, a
    // reordered JSON array, a CSV cell, reordered lines.
    const where = (id: string) => (aa.scenarios.get(id)?.noise ?? []).map((r) => r.where);
    expect(where('greet')).toContainEqual(expect.objectContaining({ kind: 'text', pattern: expect.stringContaining('generated at') }));
    expect(where('sum')).toContainEqual(expect.objectContaining({ kind: 'json', path: '$.id' }));
    expect(where('sum')).toContainEqual(expect.objectContaining({ kind: 'json', path: '$.tags', unordered: true }));
    expect(where('export')).toContainEqual(expect.objectContaining({ kind: 'csv', column: 'batch' }));
    expect(where('tags')).toContainEqual(expect.objectContaining({ kind: 'text', unordered: true }));
  });

  describe('mutants', () => {
    let outcomes: Map<string, VerifyOutcome>;
    beforeAll(async () => {
      outcomes = await verifyMutants(ws, [...MUTANTS.map((m) => m.name), ...EQUIVALENTS.map((e) => e.name)]);
    }, SLOW);

    it.each(MUTANTS.map((m) => [m.name, m] as const))('%s is a diff on exactly the declared channels', (_name, mutant) => {
      const outcome = outcomes.get(mutant.name)!;
      expect(judgeMutant(mutant, outcome).problems).toEqual([]);
      expect(outcome.run.code).toBe(1);
    });

    it.each(EQUIVALENTS.map((e) => [e.name, e] as const))('equivalent %s passes everywhere', (_name, equivalent) => {
      expect(falseDifferences(outcomes.get(equivalent.name)!)).toEqual([]);
    });

    it('a diff names what changed (spot checks of the structured differences)', () => {
      const channel = (mutant: string, id: string, place: string) =>
        outcomes.get(mutant)!.scenarios.get(id)!.channels.find((c) => (c.channel === 'files' ? `files:${c.path}` : c.channel) === place)!;
      const precision = channel('json-precision', 'sum', 'files:totals.json').difference;
      expect(precision).toMatchObject({ kind: 'json', changes: [{ path: '$.items[0].price', legacy: 2.675, candidate: 2.68 }] });
      const typeChange = channel('json-type-change', 'sum', 'files:totals.json').difference;
      expect(typeChange).toMatchObject({ kind: 'json', changes: [{ path: '$.count', kind: 'type' }] });
      const exit = channel('exit-code-0-to-1', 'greet', 'exit').difference;
      expect(exit).toMatchObject({ kind: 'value', legacy: { code: 0 }, candidate: { code: 1 } });
      const timeout = channel('timeout', 'wait', 'exit').difference;
      expect(timeout).toMatchObject({ kind: 'value', candidate: { timedOut: true } });
      const set = channel('set-element-changed', 'sum', 'files:totals.json').difference;
      expect(set?.kind).toBe('json');
      expect(JSON.stringify(set)).toContain('Organic');
    });
  });

  it('a deviation turns its mutant into accepted, and explains nothing else', async () => {
    const dev = await cloneWorkspace(ws);
    try {
      await writeDeviation(dev);
      const accepted = await verifyCandidate(dev, 'deviation', { mutant: DEVIATION.mutant });
      const target = accepted.scenarios.get(DEVIATION.scenario)!;
      expect(target.verdict).toBe('accepted');
      expect(target.channels.find((c) => c.channel === 'stderr')).toMatchObject({ verdict: 'accepted', deviations: [DEVIATION.entry.id] });
      expect(falseDifferences(accepted)).toEqual([`${DEVIATION.scenario}: accepted [stderr]`]);
      expect(accepted.run.code).toBe(0);
      const reported = accepted.report.suites[0].deviations ?? [];
      expect(reported).toContainEqual(expect.objectContaining({ id: DEVIATION.entry.id, status: 'active', covered: [DEVIATION.scenario] }));

      // Same scenario, another change (the exit code): the deviation does not cover it.
      const other = await verifyCandidate(dev, 'deviation-other', { mutant: 'error-exit-code' });
      expect(other.scenarios.get(DEVIATION.scenario)).toMatchObject({ verdict: 'diff' });
      expect(differingPlaces(other.scenarios.get(DEVIATION.scenario)!)).toEqual(['exit']);
      expect(other.report.suites[0].deviations ?? []).toContainEqual(expect.objectContaining({ id: DEVIATION.entry.id, status: 'obsolete' }));
    } finally {
      await dev.remove();
    }
  }, SLOW);
});

describe('controls', () => {
  it('without noise learning (--runs 1) the A/A run fails on exactly the noisy scenarios: the noise is real', async () => {
    const ws = await createWorkspace();
    try {
      await recordLegacy(ws, 1);
      const aa = await verifyCandidate(ws, 'aa-unlearned');
      const failing = [...aa.scenarios.values()].filter((s) => s.verdict !== 'pass').map((s) => s.id).sort();
      expect(failing).toEqual(Object.keys(NOISY_PLACES).sort());
      expect(aa.run.code).toBe(1);
    } finally {
      await ws.remove();
    }
  }, SLOW);

  it('with NOISE=0 the legacy agrees with itself: nothing is learned and A/A passes', async () => {
    const ws = await createWorkspace();
    try {
      await recordLegacy(ws, RUNS, { noise: false });
      const baseline = await loadBaseline(path.join(ws.dir, 'baselines'), SUITE);
      const learned = [...(baseline?.scenarios.values() ?? [])].filter((s) => s.noise).map((s) => s.id);
      expect(learned).toEqual([]);
      const aa = await verifyCandidate(ws, 'aa-deterministic', { noise: false });
      expect(falseDifferences(aa)).toEqual([]);
    } finally {
      await ws.remove();
    }
  }, SLOW);
});
