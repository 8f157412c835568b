/**
 * A suite's perf run: for each benchmarked scenario, both sides warmed up, then ABBA rounds
 * (legacy, candidate, candidate, legacy) until the verdict is decided or `maxRounds` is
 * reached; or, when the legacy cannot be run, the candidate against the legacy's stored
 * figures. Scenarios run one at a time (a benchmark shares the machine with nothing of ours).
 */
import { performance } from 'node:perf_hooks';
import type { ResolvedSuite } from '../config.ts';
import { ParityError } from '../errors.ts';
import { isCommandTarget, type Scenario, type Target } from '../model.ts';
import { startServiceWithDatabase } from '../service-run.ts';
import { analyzePerf, primaryMetric, type PerfAnalysis, type PerfRound } from './analyze.ts';
import { measureCommand } from './command.ts';
import { buildLoadRequests, chooseLoadMode, measureDirect, measureWithAutocannon, type LoadMode } from './load.ts';
import { fingerprintDifferences, machineFingerprint } from './machine.ts';
import type { LatencyDistribution, PerfMeasurement, PerfSample, PerfScenarioReport, PerfSuiteReport, ResolvedPerfOptions, StoredPerf, StoredPerfScenario } from './model.ts';
import { selectPerfScenarios } from './options.ts';
import { quantile } from './stats.ts';

/** A suite that has the `perf` option. */
export type PerfSuite = Pick<ResolvedSuite, 'name' | 'kind' | 'rootDir' | 'legacy' | 'candidate' | 'scenarios' | 'timeoutMs'> & { perf: ResolvedPerfOptions };

/** Options of {@link runPerfSuite}. */
export interface PerfRunOptions {
  /** Overrides `perf.rounds` (and raises `maxRounds` to it when lower): `--perf-rounds`. */
  rounds?: number;
  /** The legacy's stored figures (`perf.json`), used when the legacy cannot be run, or always
   * with `legacy: 'stored'`. */
  stored?: StoredPerf | null;
  /** `live` (default): measure the legacy side by side, falling back to `stored` when it cannot
   * start; `stored`: never run the legacy. */
  legacy?: 'live' | 'stored';
  /** Seed of the bootstrap (default: stats.DEFAULT_SEED). */
  seed?: number;
  /** Called after each scenario's verdict. */
  onScenario?: (report: PerfScenarioReport) => void;
}

/** One side of a benchmark, ready to be measured repeatedly. */
interface PerfSide {
  /** Warms up for `ms` (at least once); returns the median latency (services) or the last
   * wall time (CLIs) seen (ms). */
  warmup(ms: number): Promise<number>;
  measure(): Promise<PerfMeasurement>;
  /** Services: switch the load generator (after warm-up). */
  setMode(mode: LoadMode): void;
  close(): Promise<void>;
}

async function openSide(suite: PerfSuite, target: Target, scenario: Scenario): Promise<PerfSide> {
  const opts = suite.perf;
  if (isCommandTarget(target)) {
    const measure = (runs: number) => measureCommand(target, scenario, suite, runs);
    return {
      async warmup(ms) {
        const t0 = performance.now();
        let last: PerfMeasurement;
        do last = await measure(1);
        while (performance.now() - t0 < ms);
        return last.sample.wallMs ?? 0;
      },
      measure: () => measure(opts.runs),
      setMode: () => undefined,
      close: async () => undefined,
    };
  }
  const requests = await buildLoadRequests(scenario, suite.rootDir);
  const { service, stop } = await startServiceWithDatabase(target, { rootDir: suite.rootDir });
  const load = { connections: opts.connections, durationMs: opts.durationMs, requests: opts.requests, rootDir: suite.rootDir, timeoutMs: scenario.timeoutMs ?? target.timeoutMs ?? suite.timeoutMs };
  let mode: LoadMode = 'autocannon';
  return {
    async warmup(ms) {
      const m = await measureWithAutocannon(service.baseUrl, requests, { ...load, durationMs: Math.max(ms, 100), requests: null });
      // No response within the warm-up (a slow endpoint): not a sub-millisecond one.
      return (m.sample.throughput ?? 0) > 0 ? (m.sample.p50Ms ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    },
    measure: () => (mode === 'direct' ? measureDirect(service.baseUrl, scenario, load, service.pid) : measureWithAutocannon(service.baseUrl, requests, load, service.pid)),
    setMode: (m) => {
      mode = m;
    },
    close: stop,
  };
}

/** Median of each percentile over the slots' distributions. */
function mergeDistributions(list: LatencyDistribution[]): LatencyDistribution {
  const first = list[0];
  return {
    source: first.source,
    points: first.points.map((p, i) => ({ q: p.q, ms: quantile(list.map((d) => d.points[i]?.ms ?? Number.NaN).filter(Number.isFinite), 0.5) })),
  };
}

function errorReport(suite: PerfSuite, scenario: Scenario, legacySource: 'live' | 'stored', err: unknown): PerfScenarioReport {
  return {
    id: scenario.id,
    kind: suite.kind,
    verdict: 'error',
    error: err instanceof Error ? err.message : String(err),
    legacySource,
    primary: primaryMetric(suite.kind),
    rounds: 0,
    metrics: [],
  };
}

function scenarioReport(
  suite: PerfSuite,
  scenario: Scenario,
  legacySource: 'live' | 'stored',
  rounds: number,
  analysis: PerfAnalysis,
  legacy: LatencyDistribution[],
  candidate: LatencyDistribution[],
  samples: { legacy: PerfSample[]; candidate: PerfSample[] },
): PerfScenarioReport {
  const primary = primaryMetric(suite.kind);
  const series = (list: PerfSample[]) => list.map((x) => x[primary] ?? Number.NaN);
  return {
    samples: { legacy: series(samples.legacy), candidate: series(samples.candidate) },
    id: scenario.id,
    kind: suite.kind,
    verdict: analysis.verdict,
    legacySource,
    primary: primaryMetric(suite.kind),
    rounds,
    metrics: analysis.metrics,
    ...(legacy.length > 0 && candidate.length > 0 ? { distribution: { legacy: mergeDistributions(legacy), candidate: mergeDistributions(candidate) } } : {}),
  };
}

/** Rounds added per step while inconclusive: half the initial rounds, at least 2. */
function stepOf(opts: ResolvedPerfOptions): number {
  return Math.max(2, Math.ceil(opts.rounds / 2));
}

/** Live side by side: warm-up, ABBA rounds, more rounds while inconclusive. */
async function benchmarkLive(suite: PerfSuite, scenario: Scenario, legacy: PerfSide, candidate: PerfSide, seed: number | undefined): Promise<PerfScenarioReport> {
  const opts = suite.perf;
  const warmL = await legacy.warmup(opts.warmupMs);
  const warmC = await candidate.warmup(opts.warmupMs);
  const mode = chooseLoadMode(Math.min(warmL, warmC));
  legacy.setMode(mode);
  candidate.setMode(mode);
  const rounds: PerfRound[] = [];
  const dists = { legacy: [] as LatencyDistribution[], candidate: [] as LatencyDistribution[] };
  const measure = async (side: PerfSide, into: LatencyDistribution[]): Promise<PerfSample> => {
    const m = await side.measure();
    into.push(m.distribution);
    return m.sample;
  };
  let target = opts.rounds;
  let analysis: PerfAnalysis;
  for (;;) {
    while (rounds.length < target) {
      const l1 = await measure(legacy, dists.legacy);
      const c1 = await measure(candidate, dists.candidate);
      const c2 = await measure(candidate, dists.candidate);
      const l2 = await measure(legacy, dists.legacy);
      rounds.push({ legacy: [l1, l2], candidate: [c1, c2] });
    }
    analysis = analyzePerf(suite.kind, { kind: 'paired', rounds }, opts, { seed });
    if (analysis.verdict !== 'inconclusive' || rounds.length >= opts.maxRounds) break;
    target = Math.min(opts.maxRounds, rounds.length + stepOf(opts));
  }
  const samples = { legacy: rounds.flatMap((r) => r.legacy), candidate: rounds.flatMap((r) => r.candidate) };
  return scenarioReport(suite, scenario, 'live', rounds.length, analysis, dists.legacy, dists.candidate, samples);
}

/** The candidate alone against the legacy's stored slots (unpaired). */
async function benchmarkStored(suite: PerfSuite, scenario: Scenario, stored: StoredPerfScenario, candidate: PerfSide, seed: number | undefined): Promise<PerfScenarioReport> {
  const opts = suite.perf;
  await candidate.warmup(opts.warmupMs);
  // The stored legacy was measured in the same mode it chose; follow its distribution's source.
  candidate.setMode(stored.distribution.source === 'direct' ? 'direct' : 'autocannon');
  const samples: PerfSample[] = [];
  const dists: LatencyDistribution[] = [];
  let target = opts.rounds * 2;
  let analysis: PerfAnalysis;
  for (;;) {
    while (samples.length < target) {
      const m = await candidate.measure();
      samples.push(m.sample);
      dists.push(m.distribution);
    }
    analysis = analyzePerf(suite.kind, { kind: 'unpaired', legacy: stored.samples, candidate: samples }, opts, { seed });
    if (analysis.verdict !== 'inconclusive' || samples.length >= opts.maxRounds * 2) break;
    target = Math.min(opts.maxRounds * 2, samples.length + stepOf(opts) * 2);
  }
  return scenarioReport(suite, scenario, 'stored', samples.length / 2, analysis, [stored.distribution], dists, { legacy: stored.samples, candidate: samples });
}

function withRounds(suite: PerfSuite, rounds: number | undefined): PerfSuite {
  if (rounds === undefined) return suite;
  const r = Math.max(3, Math.floor(rounds));
  return { ...suite, perf: { ...suite.perf, rounds: r, maxRounds: Math.max(r, suite.perf.maxRounds) } };
}

/**
 * Runs the perf suite of one suite and returns its report section.
 *
 * Per scenario (chosen by `perf.tag` / `perf.scenarios`): the legacy is opened (a CLI; or a
 * service started on a fresh database cloned from the suite's fixtures) and warmed up, then
 * the candidate the same way; if the legacy cannot be started or run and stored figures exist
 * for the scenario, the candidate is compared with them instead (a warning says so; another
 * warning when the stored machine fingerprint differs). A scenario that cannot be measured is
 * verdict `error` with the reason; the others still run.
 *
 * @throws never for a measurement problem (it is a scenario `error`); ParityError
 *   `CONFIG_INVALID` for a configuration mistake found while building the load.
 */
export async function runPerfSuite(input: PerfSuite, options: PerfRunOptions = {}): Promise<PerfSuiteReport> {
  const t0 = performance.now();
  const suite = withRounds(input, options.rounds);
  const machine = machineFingerprint();
  const warnings: string[] = [];
  const scenarios = selectPerfScenarios(suite.scenarios, suite.perf);
  if (scenarios.length === 0) {
    warnings.push(`no scenario is tagged "${suite.perf.tag}" or matches perf.scenarios ${JSON.stringify(suite.perf.scenarios)}; nothing was benchmarked`);
  }
  const stored = options.stored ?? null;
  let usedStored = false;
  if (stored) {
    const diff = fingerprintDifferences(stored.machine, machine);
    if (diff.length > 0 && options.legacy === 'stored') warnings.push(`the stored legacy figures come from another machine (${diff.join('; ')}): ratios mix machines; re-record on this machine or run the legacy live`);
  }
  const reports: PerfScenarioReport[] = [];
  for (const scenario of scenarios) {
    let legacy: PerfSide | undefined;
    let candidate: PerfSide | undefined;
    let report: PerfScenarioReport;
    const storedScenario = stored?.scenarios[scenario.id];
    try {
      let legacyProblem: unknown;
      if (options.legacy !== 'stored') {
        try {
          legacy = await openSide(suite, suite.legacy, scenario);
          await legacy.warmup(0);
        } catch (err) {
          if (err instanceof ParityError && err.code === 'CONFIG_INVALID') throw err;
          legacyProblem = err;
          await legacy?.close();
          legacy = undefined;
        }
      }
      candidate = await openSide(suite, suite.candidate, scenario);
      if (legacy) {
        report = await benchmarkLive(suite, scenario, legacy, candidate, options.seed);
      } else if (storedScenario) {
        if (legacyProblem !== undefined) warnings.push(`scenario "${scenario.id}": the legacy could not be run (${firstLine(legacyProblem)}); compared with its stored figures`);
        usedStored = true;
        report = await benchmarkStored(suite, scenario, storedScenario, candidate, options.seed);
      } else {
        throw legacyProblem ?? new ParityError('BASELINE_MISSING', `no stored perf figures for scenario "${scenario.id}"; run \`paritykit record\` with the legacy available`);
      }
    } catch (err) {
      if (err instanceof ParityError && err.code === 'CONFIG_INVALID') throw err;
      report = errorReport(suite, scenario, legacy ? 'live' : 'stored', err);
    } finally {
      await legacy?.close();
      await candidate?.close();
    }
    reports.push(report);
    options.onScenario?.(report);
  }
  if (usedStored && stored) {
    const diff = fingerprintDifferences(stored.machine, machine);
    if (diff.length > 0 && options.legacy !== 'stored') warnings.push(`the stored legacy figures come from another machine (${diff.join('; ')}): ratios mix machines; re-record on this machine or run the legacy live`);
  }
  const verdicts = reports.map((r) => r.verdict);
  return {
    verdict: verdicts.includes('error') ? 'error' : verdicts.includes('fail') ? 'fail' : verdicts.includes('inconclusive') ? 'inconclusive' : 'pass',
    options: suite.perf,
    machine,
    ...(usedStored && stored ? { storedMachine: stored.machine } : {}),
    warnings,
    scenarios: reports,
    durationMs: Math.round(performance.now() - t0),
  };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/**
 * `record`: measures the legacy alone, `2 × rounds` slots per benchmarked scenario after a
 * warm-up, for `perf.json`. A scenario that cannot be measured is left out (listed in
 * `skipped` with the reason).
 */
export async function measureLegacyPerf(input: PerfSuite, options: { rounds?: number } = {}): Promise<{ stored: StoredPerf; skipped: Array<{ id: string; reason: string }> }> {
  const suite = withRounds(input, options.rounds);
  const scenarios: Record<string, StoredPerfScenario> = {};
  const skipped: Array<{ id: string; reason: string }> = [];
  for (const scenario of selectPerfScenarios(suite.scenarios, suite.perf)) {
    let side: PerfSide | undefined;
    try {
      side = await openSide(suite, suite.legacy, scenario);
      side.setMode(chooseLoadMode(await side.warmup(suite.perf.warmupMs)));
      const samples: PerfSample[] = [];
      const dists: LatencyDistribution[] = [];
      for (let i = 0; i < suite.perf.rounds * 2; i++) {
        const m = await side.measure();
        samples.push(m.sample);
        dists.push(m.distribution);
      }
      scenarios[scenario.id] = { kind: suite.kind, samples, distribution: mergeDistributions(dists) };
    } catch (err) {
      if (err instanceof ParityError && err.code === 'CONFIG_INVALID') throw err;
      skipped.push({ id: scenario.id, reason: firstLine(err) });
    } finally {
      await side?.close();
    }
  }
  return {
    stored: { formatVersion: 1, recordedAt: new Date().toISOString(), machine: machineFingerprint(), options: suite.perf, scenarios },
    skipped,
  };
}
