/**
 * From samples to verdicts: per metric the candidate/legacy ratio with its bootstrap interval,
 * the A/A noise floor, and the verdict of the gated metrics. Pure: no I/O, deterministic.
 */
import type { PerfMetric, PerfMetricResult, PerfSample, ResolvedPerfOptions } from './model.ts';
import { bootstrapRatio, mean, verdictFor, worstVerdict, type BootstrapOptions, type PerfVerdict, type RatioEstimate } from './stats.ts';

/** Unit and direction of each metric. */
export const METRICS: Readonly<Record<PerfMetric, { unit: PerfMetricResult['unit']; direction: 'lower' | 'higher' }>> = {
  wallMs: { unit: 'ms', direction: 'lower' },
  cpuMs: { unit: 'ms', direction: 'lower' },
  peakRssBytes: { unit: 'bytes', direction: 'lower' },
  throughput: { unit: 'req/s', direction: 'higher' },
  meanMs: { unit: 'ms', direction: 'lower' },
  p50Ms: { unit: 'ms', direction: 'lower' },
  p90Ms: { unit: 'ms', direction: 'lower' },
  p99Ms: { unit: 'ms', direction: 'lower' },
  errors: { unit: 'count', direction: 'lower' },
  non2xx: { unit: 'count', direction: 'lower' },
};

/** Metrics reported per kind of suite, primary first. */
export const METRICS_BY_KIND: Readonly<Record<'command' | 'service', readonly PerfMetric[]>> = {
  command: ['wallMs', 'cpuMs', 'peakRssBytes'],
  service: ['throughput', 'meanMs', 'p50Ms', 'p90Ms', 'p99Ms', 'peakRssBytes', 'errors', 'non2xx'],
};

/**
 * The primary (gated) time metric: wall time for CLIs; throughput for services. Under a
 * closed-loop load (each connection sends its next request when the previous answer arrives),
 * throughput = connections ÷ mean latency (Little's law), so its ratio is the mean-latency
 * ratio, and unlike autocannon's 1 ms latency buckets it has no resolution floor.
 */
export function primaryMetric(kind: 'command' | 'service'): PerfMetric {
  return kind === 'command' ? 'wallMs' : 'throughput';
}

/** One ABBA round: the legacy's two slots (first and last) and the candidate's two (middle). */
export interface PerfRound {
  legacy: [PerfSample, PerfSample];
  candidate: [PerfSample, PerfSample];
}

/** Samples to analyze: paired ABBA rounds (live), or unpaired slots (a stored legacy). */
export type PerfInput = { kind: 'paired'; rounds: PerfRound[] } | { kind: 'unpaired'; legacy: PerfSample[]; candidate: PerfSample[] };

/** Result of {@link analyzePerf}. */
export interface PerfAnalysis {
  metrics: PerfMetricResult[];
  verdict: PerfVerdict;
}

function values(samples: readonly PerfSample[], metric: PerfMetric): number[] | null {
  const out: number[] = [];
  for (const s of samples) {
    const v = s[metric];
    if (v === undefined || !Number.isFinite(v)) return null;
    out.push(v);
  }
  return out;
}

function estimate(l: number[], c: number[], paired: boolean, opts: BootstrapOptions): RatioEstimate | undefined {
  // A ratio of a zero mean means nothing (no errors on either side, or no CPU ticks seen).
  if (!(mean(l) > 0) || !(mean(c) > 0)) return undefined;
  return bootstrapRatio(l, c, paired, opts);
}

/**
 * True when the A/A estimate shows the machine was not steady enough for a verdict: the
 * legacy against itself, by the same procedure, differs by more than half the budget's
 * margin (its whole interval lies beyond `1 ± (budget − 1) / 2`). Scientist's lesson: calibrate
 * with an A/A run before trusting an A/B one.
 */
export function isUnsteady(aa: Pick<RatioEstimate, 'lower' | 'upper'> | undefined, budget: number): boolean {
  if (!aa) return false;
  const half = (budget - 1) / 2;
  return aa.lower > 1 + half || aa.upper < 1 - half;
}

/**
 * The verdict of a gated metric. On an unsteady machine ({@link isUnsteady}) the interval is
 * first widened by the legacy's own systematic deviation `w = max(aa.upper, 1 / aa.lower)`:
 * `[lower / w, upper × w]`, so a difference only counts when it is larger than what the
 * machine produced between two measurements of the same system.
 */
function gate(est: RatioEstimate | undefined, aa: RatioEstimate | undefined, budget: number): Pick<PerfMetricResult, 'budget' | 'verdict' | 'unsteady'> {
  if (!est) return { budget, verdict: 'inconclusive' };
  if (aa && isUnsteady(aa, budget)) {
    const w = Math.max(aa.upper, 1 / aa.lower);
    return { budget, verdict: verdictFor({ lower: est.lower / w, upper: est.upper * w }, budget), unsteady: true };
  }
  return { budget, verdict: verdictFor(est, budget) };
}

/**
 * Analyzes the samples of one scenario.
 *
 * Paired input: per round the legacy's value is the mean of its two slots and the
 * candidate's the mean of its two, and the ratio's interval is a paired bootstrap over
 * rounds. The A/A estimate compares the legacy's last slot with its first slot of each round
 * (same procedure, same pairing): what the machine's noise alone produces.
 * Unpaired input: an unpaired bootstrap of all slots; no A/A.
 *
 * Gated: the primary metric (budget `maxSlowdown`) and, when `maxMemoryGrowth` is set, peak
 * RSS. A gated metric that cannot be estimated (missing on a side) is `inconclusive`; on an
 * unsteady machine (A/A, {@link isUnsteady}; `unsteady: true`) its interval is widened by the
 * A/A deviation before the verdict (see `gate`).
 * The verdict is the worst gated verdict.
 */
export function analyzePerf(kind: 'command' | 'service', input: PerfInput, options: Pick<ResolvedPerfOptions, 'maxSlowdown' | 'maxMemoryGrowth'>, bootstrap: Omit<BootstrapOptions, 'direction'> = {}): PerfAnalysis {
  const primary = primaryMetric(kind);
  const metrics: PerfMetricResult[] = [];
  for (const metric of METRICS_BY_KIND[kind]) {
    const { unit, direction } = METRICS[metric];
    const opts = { ...bootstrap, direction };
    let l: number[] | null;
    let c: number[] | null;
    let aa: RatioEstimate | undefined;
    let paired: boolean;
    if (input.kind === 'paired') {
      const l1 = values(input.rounds.map((r) => r.legacy[0]), metric);
      const l2 = values(input.rounds.map((r) => r.legacy[1]), metric);
      const c1 = values(input.rounds.map((r) => r.candidate[0]), metric);
      const c2 = values(input.rounds.map((r) => r.candidate[1]), metric);
      l = l1 && l2 ? l1.map((v, i) => (v + l2[i]) / 2) : null;
      c = c1 && c2 ? c1.map((v, i) => (v + c2[i]) / 2) : null;
      aa = l1 && l2 ? estimate(l1, l2, true, opts) : undefined;
      paired = true;
    } else {
      l = values(input.legacy, metric);
      c = values(input.candidate, metric);
      paired = false;
    }
    const budget = metric === primary ? options.maxSlowdown : metric === 'peakRssBytes' && options.maxMemoryGrowth !== null ? options.maxMemoryGrowth : undefined;
    if (!l || !c || l.length === 0 || c.length === 0) {
      if (budget !== undefined) metrics.push({ metric, unit, direction, legacyMean: l ? mean(l) : Number.NaN, candidateMean: c ? mean(c) : Number.NaN, verdict: 'inconclusive', budget });
      continue;
    }
    const est = estimate(l, c, paired, opts);
    metrics.push({
      metric,
      unit,
      direction,
      legacyMean: mean(l),
      candidateMean: mean(c),
      ...(est ? { estimate: est } : {}),
      ...(aa ? { aa } : {}),
      ...(budget !== undefined ? gate(est, aa, budget) : {}),
    });
  }
  const gated = metrics.filter((m) => m.verdict !== undefined).map((m) => m.verdict!);
  return { metrics, verdict: gated.length > 0 ? worstVerdict(gated) : 'inconclusive' };
}
