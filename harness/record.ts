/**
 * `record`: run every scenario of a suite against the legacy and store the observations as
 * a new baseline revision, reporting the legacy's drift since the previous revision.
 */
import type { BaselineStore, SaveResult } from '../baselines/store.ts';
import { compareObservations, mapPool, redactObservation, redactorFor, runScenario, verdictOf } from './runner.ts';
import { identityOf } from './identity.ts';
import type { ResolvedSuite } from './config.ts';
import type { ChannelResult, NoiseRule, Scenario, ScenarioObservation } from './model.ts';
import { learnNoise } from './noise.ts';
import { PARITYKIT_VERSION } from './version.ts';
import path from 'node:path';
import { loadPerfFigures, savePerfFigures } from '../baselines/store.ts';
import { measureLegacyPerf, type PerfSuite } from './perf/run.ts';

/** Least time (ms) between the starts of two legacy runs of one scenario (see recordSuite). */
export const MIN_RUN_GAP_MS = 1100;

/** A scenario whose legacy behaviour differs from the previous revision. */
export interface DriftEntry {
  id: string;
  /** Channel comparisons that differ, previous revision (as "legacy") vs this recording. */
  channels: ChannelResult[];
}

/** Legacy drift: what changed in the legacy's behaviour since the previous revision, after
 * normalizers (so a changed timestamp is not drift when a timestamps normalizer is configured). */
export interface Drift {
  previousRevision: string | null;
  added: string[];
  removed: string[];
  changed: DriftEntry[];
}

/** Outcome of recording one suite. */
export interface RecordResult {
  suite: string;
  save: SaveResult;
  drift: Drift;
  scenarios: number;
  /** Scenarios whose legacy run timed out (recorded as observations, listed as a warning). */
  timedOut: string[];
  /** Scenarios where noise was learned, with the rules (listed, never hidden). */
  noisy: Array<{ id: string; rules: NoiseRule[] }>;
  /** Scenarios whose legacy differed from itself structurally: why (add a normalizer). */
  nondeterministic: Array<{ id: string; reason: string }>;
  /** Legacy runs per scenario. */
  runs: number;
  dryRun: boolean;
  /** Legacy perf figures stored beside the baseline (`perf.json`), when measured. */
  perf?: { file: string; scenarios: string[]; skipped: Array<{ id: string; reason: string }> };
}

/** Options of `recordSuite`. */
export interface RecordOptions {
  dryRun?: boolean;
  concurrency?: number;
  /** Only these scenarios (already filtered); the others keep their previous recording. */
  scenarios?: Scenario[];
  /** Runs of each scenario against the legacy, to learn noise (default 2; 1 learns nothing). */
  runs?: number;
  /** Called after each legacy run (for progress display): `total` is scenarios × runs. */
  onScenario?: (id: string, done: number, total: number) => void;
  signal?: AbortSignal;
  /** Measure the legacy's performance (suites with `perf`) and store it as `perf.json`
   * beside the baseline (see harness/perf). Default false. */
  perf?: boolean;
  /** Overrides `perf.rounds` for that measurement. */
  perfRounds?: number;
}

/**
 * Records `suite` against its legacy into `store`.
 *
 * With a scenario subset (`--scenario`), the scenarios not selected keep their previous
 * recording, so a partial re-record never drops baselines. Redaction is applied by the store
 * before anything is written.
 *
 * @throws ParityError from the target (cannot spawn) or the store (previous revision unreadable).
 */
export async function recordSuite(suite: ResolvedSuite, store: BaselineStore, options: RecordOptions = {}): Promise<RecordResult> {
  const selected = options.scenarios ?? suite.scenarios;
  const redactor = redactorFor(suite);
  const previous = await store.load(suite.name);
  const runs = Math.max(1, options.runs ?? 2);
  let done = 0;
  // Runs go in passes: every scenario once, then again. Two runs of one scenario never overlap,
  // and start at least MIN_RUN_GAP_MS apart, so a timestamp with second resolution still varies
  // between them (run at the same moment, noise would look like stable behaviour).
  const passes: ScenarioObservation[][] = [];
  for (let pass = 0; pass < runs; pass++) {
    const started = Date.now();
    passes.push(
      await mapPool(selected, options.concurrency ?? suite.concurrency, async (scenario) => {
        const observation = await runScenario(suite.legacy, scenario, suite, options.signal, { redactText: (t) => redactor.redactText(t) });
        options.onScenario?.(scenario.id, ++done, selected.length * runs);
        return observation;
      }),
    );
    const wait = MIN_RUN_GAP_MS - (Date.now() - started);
    if (pass < runs - 1 && wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  if (options.signal?.aborted) throw options.signal.reason;
  const observations = selected.map((scenario, i) => {
    const mine = passes.map((p) => p[i]);
    return { scenario, observation: mine[0], noise: learnNoise(mine) };
  });

  const selectedIds = new Set(selected.map((s) => s.id));
  const configured = new Map(suite.scenarios.map((s) => [s.id, s]));
  const kept = previous
    ? [...previous.scenarios.values()]
        .filter((b) => !selectedIds.has(b.id) && configured.has(b.id))
        .map((b) => ({ scenario: configured.get(b.id)!, observation: b.observation, noise: b.noise }))
    : [];
  const all = [...observations, ...kept];

  const drift: Drift = { previousRevision: previous?.manifest.revision ?? null, added: [], removed: [], changed: [] };
  if (previous) {
    for (const { scenario, observation, noise } of observations) {
      const before = previous.scenarios.get(scenario.id);
      if (!before) {
        drift.added.push(scenario.id);
        continue;
      }
      // The stored side is redacted; redact the fresh side the same way before comparing.
      const channels = compareObservations(suite, scenario, before.observation, redactObservation(observation, redactor), noise.rules);
      if (verdictOf(channels) === 'diff') drift.changed.push({ id: scenario.id, channels: channels.filter((c) => c.verdict === 'diff') });
    }
    drift.removed = [...previous.scenarios.keys()].filter((id) => !configured.has(id)).sort();
  }

  const save = await store.save(suite.name, all, {
    legacy: await identityOf(suite.legacy),
    paritykitVersion: PARITYKIT_VERSION,
    redactText: (t) => redactor.redactText(t),
    redactBuffer: (b) => redactor.redactBuffer(b),
    dryRun: options.dryRun,
  });
  const timedOut = observations.filter((o: { observation: ScenarioObservation }) => o.observation.exit.timedOut).map((o) => o.scenario.id);
  const noisy = observations.filter((o) => o.noise.rules.length > 0).map((o) => ({ id: o.scenario.id, rules: o.noise.rules }));
  const nondeterministic = observations.filter((o) => o.noise.nondeterministic).map((o) => ({ id: o.scenario.id, reason: o.noise.nondeterministic! }));
  const perf = options.perf && suite.perf && !options.dryRun ? await recordLegacyPerf(suite as PerfSuite, save.dir, selectedIds, options.perfRounds) : undefined;
  return { suite: suite.name, save, drift, scenarios: all.length, timedOut, noisy, nondeterministic, runs, dryRun: options.dryRun ?? false, ...(perf ? { perf } : {}) };
}

/** Measures the legacy's perf scenarios among `ids` and merges them into `perf.json` in the
 * suite's baseline folder `dir` (figures of scenarios not measured now are kept). */
async function recordLegacyPerf(suite: PerfSuite, dir: string, ids: Set<string>, rounds?: number): Promise<NonNullable<RecordResult['perf']>> {
  const baselineDir = path.dirname(dir);
  const { stored, skipped } = await measureLegacyPerf({ ...suite, scenarios: suite.scenarios.filter((s) => ids.has(s.id)) }, { rounds });
  const previous = await loadPerfFigures(baselineDir, suite.name).catch(() => null);
  const configured = new Set(suite.scenarios.map((s) => s.id));
  const kept = Object.fromEntries(Object.entries(previous?.scenarios ?? {}).filter(([id]) => configured.has(id) && !(id in stored.scenarios)));
  const file = await savePerfFigures(baselineDir, suite.name, { ...stored, scenarios: { ...kept, ...stored.scenarios } });
  return { file, scenarios: Object.keys(stored.scenarios), skipped };
}
