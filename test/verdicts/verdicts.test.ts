// Proves that paritykit's verdicts are truthful (issue 5 §5), through the real CLI, on two
// deliberately noisy legacies: a CLI (legacy.mjs, suite `verdicts`: stdout, stderr, exit, files)
// and an HTTP service (service.mjs, suite `verdicts-http`: the http channel):
// - A/A: both legacies, recorded with `record --runs 3` and no normalizers, verified against
//   themselves give zero differences, with the learned noise listed;
// - every mutant (mutants.json, one changed behaviour each) gives `diff` on exactly the declared
//   scenarios, at the declared places (channels, files, http exchanges `#n METHOD /path`, and for
//   HTTP the status/header/body paths), and every other scenario of its suite still passes;
// - equivalent mutants (same behaviour, other bytes) pass;
// - a deviation covering one mutant of each suite turns its diff into `accepted`, and covers
//   nothing else;
// - controls: without noise learning the same A/A run fails exactly on the noisy scenarios
//   (the noise is real), and with NOISE=0 each legacy agrees with itself (nothing learned).
// Everything runs in temporary copies of this folder; nothing is written into the repo.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBaseline } from '../../baselines/store.ts';
import { readScenarioFile } from '../../harness/config.ts';
import { mapPool } from '../../harness/runner.ts';
import {
  DEVIATION,
  EQUIVALENTS,
  HTTP_DEVIATION,
  HTTP_SUITE,
  MUTANTS,
  NOISY_PLACES,
  SUITE,
  SUITES,
  cloneWorkspace,
  createWorkspace,
  defaultParallelRuns,
  differingPlaces,
  falseDifferences,
  judgeMutant,
  placeOf,
  recordLegacy,
  suiteOf,
  verifyCandidate,
  verifyMutants,
  writeDeviation,
  type VerifyOutcome,
  type Workspace,
} from './driver.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const RUNS = 3;
/** ms: record + ~75 verify runs through the CLI, 1–2 s each, on 2 cores. */
const SLOW = 600_000;

/** Each suite's legacy and scenario file. */
const SOURCES: Record<string, { legacy: string; scenarios: string }> = {
  [SUITE]: { legacy: 'legacy.mjs', scenarios: 'scenarios.yaml' },
  [HTTP_SUITE]: { legacy: 'service.mjs', scenarios: 'service-scenarios.yaml' },
};

/** Noise places of a scenario report: `stdout`, `files:totals.json`, `http:#1`, … sorted, unique. */
function noisePlaces(outcome: VerifyOutcome, id: string): string[] {
  const rules = outcome.scenarios.get(id)?.noise ?? [];
  return [...new Set(rules.map((r) => (r.channel === 'files' || r.channel === 'http' ? `${r.channel}:${r.path ?? ''}` : r.channel)))].sort();
}

describe('the verdicts fixture', () => {
  it('declares at least 40 distinct mutants (10 of them HTTP) on existing scenarios and places, each implemented in its legacy', async () => {
    const scenarios = new Map<string, Set<string>>();
    const sources = new Map<string, string>();
    for (const suite of SUITES) {
      scenarios.set(suite, new Set((await readScenarioFile(path.join(here, SOURCES[suite].scenarios))).map((s) => s.id)));
      sources.set(suite, await readFile(path.join(here, SOURCES[suite].legacy), 'utf8'));
    }
    const allIds = SUITES.flatMap((suite) => [...scenarios.get(suite)!]);
    expect(new Set(allIds).size, 'scenario ids are unique across the suites').toBe(allIds.length);
    const names = [...MUTANTS.map((m) => m.name), ...EQUIVALENTS.map((e) => e.name)];
    expect(MUTANTS.length).toBeGreaterThanOrEqual(40);
    expect(MUTANTS.filter((m) => suiteOf(m) === HTTP_SUITE).length).toBeGreaterThanOrEqual(10);
    expect(new Set(names).size).toBe(names.length);
    for (const m of MUTANTS) {
      const suite = suiteOf(m);
      expect(SUITES, m.name).toContain(suite);
      expect(m.scenarios.length, m.name).toBeGreaterThan(0);
      for (const id of m.scenarios) expect(scenarios.get(suite), `${m.name}: scenario ${id} of ${suite}`).toContain(id);
      expect(m.channels.length, m.name).toBeGreaterThan(0);
      const place = suite === HTTP_SUITE ? /^http:#\d+ [A-Z]+ \/\S*$/ : /^(stdout|stderr|exit|files:.+)$/;
      for (const c of m.channels) expect(c, m.name).toMatch(place);
      if (suite === HTTP_SUITE) {
        expect(m.where?.length, `${m.name}: where`).toBeGreaterThan(0);
        for (const w of m.where!) expect(w, m.name).toMatch(/^\$\.(status|headers|body)/);
      } else expect(m.where, m.name).toBeUndefined();
    }
    for (const m of [...MUTANTS, ...EQUIVALENTS]) {
      const suite = suiteOf(m);
      expect(sources.get(suite), `${SOURCES[suite].legacy} never checks mutant('${m.name}')`).toContain(`mutant('${m.name}')`);
    }
    for (const id of Object.keys(NOISY_PLACES)) expect(allIds).toContain(id);
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

  it('A/A: each legacy verified against itself has zero differences', () => {
    expect(falseDifferences(aa)).toEqual([]);
    expect(aa.run.code).toBe(0);
    expect(aa.report.suites.map((s) => s.name)).toEqual([...SUITES]);
    expect(aa.report.totals.pass).toBe(aa.scenarios.size);
    // the http channel was compared, exchange by exchange, and passed
    expect(aa.scenarios.get('item-create')!.channels.map(placeOf)).toEqual(['http:#1 POST /items', 'http:#2 GET /items/{{itemId}}']);
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
    // The http channel's noise, in response bodies: a random id and a timestamp in JSON, a set
    // in random order, a timestamp line in a text body.
    expect(where('item-get')).toContainEqual(expect.objectContaining({ kind: 'json', path: '$.requestId' }));
    expect(where('item-get')).toContainEqual(expect.objectContaining({ kind: 'json', path: '$.fetchedAt' }));
    expect(where('item-get')).toContainEqual(expect.objectContaining({ kind: 'json', path: '$.tags', unordered: true }));
    expect(where('item-label')).toContainEqual(expect.objectContaining({ kind: 'text', pattern: expect.stringContaining('printed at') }));
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

    it('an HTTP diff names the exchange and the status, header or body path (spot checks)', () => {
      const exchange = (mutant: string, id: string, label: string) =>
        outcomes.get(mutant)!.scenarios.get(id)!.channels.find((c) => c.channel === 'http' && c.path === label)!;
      expect(exchange('http-status-404-to-400', 'item-missing', '#1 GET /items/999').difference).toMatchObject({ kind: 'value', legacy: 404, candidate: 400 });
      expect(exchange('http-json-precision', 'item-get', '#1 GET /items/1').difference).toMatchObject({
        kind: 'json',
        changes: [{ path: '$.body.price', legacy: 2.675, candidate: 2.68 }],
      });
      expect(exchange('http-json-type-change', 'item-get', '#1 GET /items/1').difference).toMatchObject({ kind: 'json', changes: [{ path: '$.body.stock', kind: 'type' }] });
      expect(exchange('http-location-wrong', 'item-create', '#1 POST /items').difference).toMatchObject({
        kind: 'json',
        changes: [{ path: '$.headers.location', legacy: '/items/4', candidate: '/item/4' }],
      });
      expect(exchange('http-header-missing', 'items-list', '#1 GET /items').difference).toMatchObject({
        kind: 'json',
        changes: [{ path: '$.headers["x-api-version"]', kind: 'removed', legacy: '1' }],
      });
      expect(JSON.stringify(exchange('http-set-element-changed', 'item-get', '#1 GET /items/1').difference)).toContain('Organic');
      const text = exchange('http-body-text', 'item-label', '#1 GET /items/1/label').difference;
      expect(text?.kind).toBe('text');
      expect(text?.unified).toContain('+price 2.68 EUR');
      // the request one exchange later in the flow used the id the candidate handed out
      const stored = exchange('http-created-not-stored', 'item-create', '#2 GET /items/{{itemId}}');
      expect(stored.difference).toMatchObject({ kind: 'json', changes: expect.arrayContaining([{ path: '$.status', kind: 'changed', legacy: 200, candidate: 404 }]) });
    });
  });

  describe('deviations', () => {
    let dev: Workspace;
    /** The verify runs under deviations.yaml, by report name. */
    let runs: Map<string, VerifyOutcome>;
    beforeAll(async () => {
      dev = await cloneWorkspace(ws);
      await writeDeviation(dev);
      const plan: Array<[string, string, string]> = [
        ['deviation', DEVIATION.mutant, SUITE],
        // Same scenario, another change (the exit code): the deviation does not cover it.
        ['deviation-other', 'error-exit-code', SUITE],
        ['deviation-http', HTTP_DEVIATION.mutant, HTTP_SUITE],
        // Same scenario, another change (the error message): the deviation does not cover it.
        ['deviation-http-other', 'http-error-wording', HTTP_SUITE],
      ];
      const outcomes = await mapPool(plan, defaultParallelRuns(), ([name, mutant, suite]) => verifyCandidate(dev, name, { mutant }, [suite]));
      runs = new Map(plan.map(([name], i) => [name, outcomes[i]]));
    }, SLOW);
    afterAll(async () => {
      await dev?.remove();
    });

    it('a deviation turns its mutant into accepted, and explains nothing else', () => {
      const accepted = runs.get('deviation')!;
      const target = accepted.scenarios.get(DEVIATION.scenario)!;
      expect(target.verdict).toBe('accepted');
      expect(target.channels.find((c) => c.channel === 'stderr')).toMatchObject({ verdict: 'accepted', deviations: [DEVIATION.entry.id] });
      expect(falseDifferences(accepted)).toEqual([`${DEVIATION.scenario}: accepted [stderr]`]);
      expect(accepted.run.code).toBe(0);
      const reported = accepted.report.suites[0].deviations ?? [];
      expect(reported).toContainEqual(expect.objectContaining({ id: DEVIATION.entry.id, status: 'active', covered: [DEVIATION.scenario] }));

      const other = runs.get('deviation-other')!;
      expect(other.scenarios.get(DEVIATION.scenario)).toMatchObject({ verdict: 'diff' });
      expect(differingPlaces(other.scenarios.get(DEVIATION.scenario)!)).toEqual(['exit']);
      expect(other.report.suites[0].deviations ?? []).toContainEqual(expect.objectContaining({ id: DEVIATION.entry.id, status: 'obsolete' }));
    });

    it('an HTTP deviation (channel http, where $.status) turns its mutant into accepted, and explains nothing else', () => {
      const accepted = runs.get('deviation-http')!;
      const target = accepted.scenarios.get(HTTP_DEVIATION.scenario)!;
      expect(target.verdict).toBe('accepted');
      expect(target.channels.find((c) => c.channel === 'http')).toMatchObject({ verdict: 'accepted', path: '#1 GET /items/999', deviations: [HTTP_DEVIATION.entry.id] });
      expect(falseDifferences(accepted)).toEqual([`${HTTP_DEVIATION.scenario}: accepted [http:#1 GET /items/999]`]);
      expect(accepted.run.code).toBe(0);
      expect(accepted.report.suites[0].deviations ?? []).toContainEqual(
        expect.objectContaining({ id: HTTP_DEVIATION.entry.id, status: 'active', covered: [HTTP_DEVIATION.scenario] }),
      );

      const other = runs.get('deviation-http-other')!;
      expect(other.scenarios.get(HTTP_DEVIATION.scenario)).toMatchObject({ verdict: 'diff' });
      expect(differingPlaces(other.scenarios.get(HTTP_DEVIATION.scenario)!)).toEqual(['http:#1 GET /items/999']);
      expect(other.report.suites[0].deviations ?? []).toContainEqual(expect.objectContaining({ id: HTTP_DEVIATION.entry.id, status: 'obsolete' }));
      expect(other.run.code).toBe(1);
    });
  });
});

// The two controls are independent: run them at the same time.
describe.concurrent('controls', () => {
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

  it('with NOISE=0 the legacies agree with themselves: nothing is learned and A/A passes', async () => {
    const ws = await createWorkspace();
    try {
      await recordLegacy(ws, RUNS, { noise: false });
      for (const suite of SUITES) {
        const baseline = await loadBaseline(path.join(ws.dir, 'baselines'), suite);
        expect(baseline?.scenarios.size, suite).toBeGreaterThan(0);
        const learned = [...(baseline?.scenarios.values() ?? [])].filter((s) => s.noise).map((s) => s.id);
        expect(learned, suite).toEqual([]);
      }
      const aa = await verifyCandidate(ws, 'aa-deterministic', { noise: false });
      expect(falseDifferences(aa)).toEqual([]);
    } finally {
      await ws.remove();
    }
  }, SLOW);
});
