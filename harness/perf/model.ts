/**
 * Types of performance parity: the suite option `perf`, the samples one measurement yields,
 * what `record` stores beside the baseline (`perf.json`), and what a verify run reports
 * (`SuiteReport.perf`). Nothing here does I/O.
 */
import type { PerfVerdict, RatioEstimate } from './stats.ts';

/**
 * The suite option `perf`: which scenarios are benchmarked, how, and the budget.
 *
 * @example
 * { name: 'orders', ..., perf: { tag: 'perf', durationMs: 1500, rounds: 6, maxSlowdown: 1.05 } }
 */
export interface PerfOptions {
  /** Scenario ids or globs (picomatch) to benchmark. With `tag`, a scenario matching either is taken. */
  scenarios?: string[];
  /** Scenarios carrying this tag are benchmarked. Default `perf` (used when `scenarios` is absent). */
  tag?: string;
  /** Services: concurrent connections of the load. Default 4. */
  connections?: number;
  /** Services: length of one measurement (ms). Default 1,000. Ignored when `requests` is set. */
  durationMs?: number;
  /** Services: requests per measurement instead of a duration. */
  requests?: number;
  /** CLIs: runs of the command per measurement (the sample: their median wall time, mean CPU
   * time and peak RSS). Default 3. */
  runs?: number;
  /** Warm-up of each side before the first round (ms): load for services, repeated runs for
   * CLIs (at least one run each). Default 500. */
  warmupMs?: number;
  /** ABBA rounds measured before the first verdict. Default 6 (minimum 3). */
  rounds?: number;
  /** While a verdict is `inconclusive`, rounds are added (in steps of `rounds / 2`) up to this
   * many. Default 16. */
  maxRounds?: number;
  /** Largest acceptable candidate/legacy ratio of the primary metric. Default 1.05 (at most
   * 5% slower). */
  maxSlowdown?: number;
  /** Largest acceptable candidate/legacy ratio of peak RSS; absent: memory is reported, not gated. */
  maxMemoryGrowth?: number;
}

/** `PerfOptions` with defaults applied. */
export interface ResolvedPerfOptions {
  scenarios: string[];
  tag: string;
  connections: number;
  /** ms; `null` when `requests` bounds a measurement. */
  durationMs: number | null;
  requests: number | null;
  runs: number;
  /** ms */
  warmupMs: number;
  rounds: number;
  maxRounds: number;
  maxSlowdown: number;
  maxMemoryGrowth: number | null;
}

/** Metric names. CLIs: `wallMs`, `cpuMs`, `peakRssBytes`. Services: `throughput`, `meanMs`,
 * `p50Ms`, `p90Ms`, `p99Ms`, `errors`, `non2xx`, `peakRssBytes`. */
export type PerfMetric =
  | 'wallMs'
  | 'cpuMs'
  | 'peakRssBytes'
  | 'throughput'
  | 'meanMs'
  | 'p50Ms'
  | 'p90Ms'
  | 'p99Ms'
  | 'errors'
  | 'non2xx';

/** What one measurement (one slot of an ABBA round) yielded: metric → value. Units: `…Ms` in
 * ms, `peakRssBytes` in bytes, `throughput` in requests/s, `errors`/`non2xx` counts. A metric
 * that could not be measured (RSS without /proc) is absent. */
export type PerfSample = Partial<Record<PerfMetric, number>>;

/** Percentile points of a latency (services) or wall-time (CLIs) distribution, in ms. */
export interface LatencyDistribution {
  /** `q` in 0–1, ascending. */
  points: Array<{ q: number; ms: number }>;
  /** `autocannon`: its histogram (1 ms resolution); `direct`: each request timed with
   * `performance.now()` (sub-millisecond endpoints); `spawn`: CLI runs' wall time. */
  source: 'autocannon' | 'direct' | 'spawn';
}

/** One measurement, with the raw distribution behind it. */
export interface PerfMeasurement {
  sample: PerfSample;
  distribution: LatencyDistribution;
}

/** The legacy's figures of one scenario as stored by `record` (per-slot samples). */
export interface StoredPerfScenario {
  kind: 'command' | 'service';
  samples: PerfSample[];
  distribution: LatencyDistribution;
}

/** The machine a measurement was made on (to warn when stored figures come from another). */
export interface MachineFingerprint {
  /** `os.cpus()[0].model`. */
  cpuModel: string;
  /** Logical cores (`os.availableParallelism()`). */
  cores: number;
  /** Total memory (bytes). */
  memoryBytes: number;
  /** `platform release arch`, e.g. `linux 6.8.0 x64`. */
  os: string;
  /** `process.version`. */
  node: string;
}

/** `perf.json` beside a suite's baseline: the legacy's figures measured by `record`. */
export interface StoredPerf {
  formatVersion: 1;
  /** ISO-8601 UTC. */
  recordedAt: string;
  machine: MachineFingerprint;
  options: ResolvedPerfOptions;
  scenarios: Record<string, StoredPerfScenario>;
}

/** One metric of one scenario: the ratio, its interval, the A/A noise floor, the verdict. */
export interface PerfMetricResult {
  metric: PerfMetric;
  unit: 'ms' | 'bytes' | 'req/s' | 'count';
  /** `higher` for throughput: the ratio is then legacy/candidate (> 1 still means worse). */
  direction: 'lower' | 'higher';
  /** Means over all slots (in `unit`). */
  legacyMean: number;
  candidateMean: number;
  /** Candidate/legacy ratio with its bootstrap interval; absent when a mean is 0 (counts). */
  estimate?: RatioEstimate;
  /** A/A: the legacy against itself by the same procedure (its first slot of each round vs its
   * last): the machine's noise floor for this metric. Absent for a stored legacy. */
  aa?: RatioEstimate;
  /** Present on gated metrics only (the primary metric, and peak RSS with `maxMemoryGrowth`). */
  verdict?: PerfVerdict;
  /** The budget of a gated metric (ratio). */
  budget?: number;
  /** Set when the A/A interval showed the legacy differing from itself by more than half the
   * budget's margin (an unsteady machine): the verdict then used the interval widened by that
   * deviation (harness/perf/analyze.ts `gate`). */
  unsteady?: boolean;
}

/** One benchmarked scenario in the report. */
export interface PerfScenarioReport {
  id: string;
  kind: 'command' | 'service';
  /** Worst verdict of the gated metrics; `error` when a side could not be measured. */
  verdict: PerfVerdict | 'error';
  error?: string;
  /** `live`: legacy and candidate measured side by side now; `stored`: the legacy's figures
   * from `perf.json` (unpaired). */
  legacySource: 'live' | 'stored';
  /** The primary (time) metric: `wallMs` for CLIs, `throughput` for services. */
  primary: PerfMetric;
  /** ABBA rounds measured (for a stored legacy: candidate measurements). */
  rounds: number;
  metrics: PerfMetricResult[];
  /** The primary metric of every measurement, in the order taken (live: per round legacy
   * first slot, candidate, candidate, legacy last slot → `legacy[2r]`, `candidate[2r]`,
   * `candidate[2r+1]`, `legacy[2r+1]`), so a reader can see drift and outliers. */
  samples?: { legacy: number[]; candidate: number[] };
  /** Latency (or wall-time) distribution of each side, median of each percentile over slots. */
  distribution?: { legacy: LatencyDistribution; candidate: LatencyDistribution };
  /** Primary-metric ratio of earlier runs (oldest first), this run last: the trend. */
  trend?: PerfTrendPoint[];
}

/** One point of a trend: a run's primary ratio and interval for one scenario. */
export interface PerfTrendPoint {
  /** ISO-8601 UTC start of the run. */
  at: string;
  ratio: number;
  lower: number;
  upper: number;
  verdict: PerfVerdict | 'error';
}

/** `SuiteReport.perf`: the performance section of one suite. */
export interface PerfSuiteReport {
  verdict: PerfVerdict | 'error';
  options: ResolvedPerfOptions;
  machine: MachineFingerprint;
  /** Machine the stored legacy figures come from, when they were used. */
  storedMachine?: MachineFingerprint;
  /** Things the reader must know (machine differs, legacy not runnable, …). */
  warnings: string[];
  scenarios: PerfScenarioReport[];
  /** Wall time of the whole perf run of this suite (ms). */
  durationMs: number;
}
