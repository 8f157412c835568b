/**
 * The statistics of performance parity: a seeded random generator, a percentile bootstrap of
 * the candidate/legacy ratio of means, and the equivalence verdict against a budget.
 *
 * Method (see docs/performance.md):
 * - The ratio is `mean(candidate) / mean(legacy)` for metrics where lower is better (wall
 *   time, CPU time, latency, memory) and `mean(legacy) / mean(candidate)` for throughput, so a
 *   ratio above 1 always means "the candidate is slower / bigger".
 * - Its 90% confidence interval is a percentile bootstrap (Efron & Tibshirani, "An
 *   Introduction to the Bootstrap", 1993, ch. 13), the method criterion.rs uses for its
 *   change estimates (https://bheisler.github.io/criterion.rs/book/analysis.html): paired
 *   rounds are resampled as pairs (so drift shared by both sides cancels); unpaired samples
 *   (a stored legacy) are resampled side by side independently. With a handful of rounds the
 *   plain percentile interval is too narrow, so it is expanded for the sample size
 *   (Hesterberg 2015, see {@link expandedAlpha}).
 * - The verdict is an equivalence test in the TOST sense (Schuirmann 1987; Lakens 2017,
 *   "Equivalence Tests", doi:10.1177/1948550617697177): a 90% two-sided interval wholly
 *   below the margin is a one-sided test at 5%. `pass` when the upper bound ≤ budget, `fail`
 *   when the lower bound > budget, else `inconclusive`.
 *
 * Nothing here does I/O; everything is deterministic for a given seed.
 */

/** Default seed of the bootstrap's random generator (any fixed value: results reproduce). */
export const DEFAULT_SEED = 0x5eed_2026;

/** Default number of bootstrap resamples (criterion.rs uses 100,000; 4,000 keeps the 5% and
 * 95% percentiles stable to about ±0.3% of the interval width at our sample sizes). */
export const DEFAULT_RESAMPLES = 4_000;

/** Default confidence level of the interval (90%: a TOST at α = 5%). */
export const DEFAULT_CONFIDENCE = 0.9;

/**
 * A seeded pseudo-random generator returning floats in [0, 1): mulberry32 (Tommy Ettinger,
 * public domain; https://gist.github.com/tommyettinger/46a874533244883189143505d203312c).
 * Small state, good enough equidistribution for resampling, and reproducible across runs.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Arithmetic mean; NaN for an empty list. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/**
 * Quantile `q` (0–1) of the values by linear interpolation between closest ranks (type 7 of
 * Hyndman & Fan 1996, the default of R and NumPy). NaN for an empty list.
 */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return s[lo] + (s[hi] - s[lo]) * (h - lo);
}

/**
 * Standard normal CDF Φ(x), from the complementary error function approximation of
 * Numerical Recipes (3rd ed., §6.2.2, `erfc` by Chebyshev fit; fractional error < 1.2e-7).
 */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r / 2 : r / 2;
}

/**
 * Quantile of the standard normal distribution (Acklam's rational approximation, relative
 * error < 1.2e-9; https://web.archive.org/web/20151030215612/http://home.online.no/~pjacklam/notes/invnorm/).
 */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * Quantile of Student's t distribution with `df` degrees of freedom, by the Cornish–Fisher
 * expansion around the normal quantile (Abramowitz & Stegun 26.7.5; within 0.3% of the exact
 * value from df = 3 on for the 95% quantile).
 */
export function studentTQuantile(p: number, df: number): number {
  const z = normalQuantile(p);
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/**
 * The tail probability used by the **expanded percentile** bootstrap interval (Hesterberg,
 * "What Teachers Should Know About the Bootstrap", The American Statistician 69(4), 2015,
 * §4.3): the plain percentile interval is too narrow for small samples (it behaves like a
 * z-interval with the divisor n instead of n − 1); taking the percentiles at α′/2 with
 * Φ⁻¹(1 − α′/2) = √(n/(n−1)) · t(1 − α/2, n − 1) corrects both. Returns α′ (for `n` ≥ 2).
 */
export function expandedAlpha(n: number, confidence: number): number {
  if (n < 2) return 1 - confidence;
  const alpha = 1 - confidence;
  const zPrime = Math.sqrt(n / (n - 1)) * studentTQuantile(1 - alpha / 2, n - 1);
  return 2 * (1 - normalCdf(zPrime));
}

/** Which direction of a metric is better. */
export type MetricDirection = 'lower' | 'higher';

/** A ratio with its confidence interval; `ratio > 1` means the candidate is worse. */
export interface RatioEstimate {
  /** Point estimate: ratio of the means (oriented so that > 1 is worse for the candidate). */
  ratio: number;
  /** Lower and upper bound of the confidence interval. */
  lower: number;
  upper: number;
  /** Confidence level of [lower, upper] (0.9 = 90%). */
  confidence: number;
  /** Pairs (paired) or the smaller side's sample count (unpaired) the estimate rests on. */
  n: number;
  paired: boolean;
}

/** Options of the bootstrap. */
export interface BootstrapOptions {
  /** Seed of the generator; default {@link DEFAULT_SEED}. */
  seed?: number;
  /** Number of resamples; default {@link DEFAULT_RESAMPLES}. */
  resamples?: number;
  /** Confidence level; default {@link DEFAULT_CONFIDENCE} (90%). */
  confidence?: number;
  /** `higher` for throughput (ratio = legacy / candidate); default `lower`. */
  direction?: MetricDirection;
  /** Widen the percentile interval for small samples ({@link expandedAlpha}); default true.
   * `false`: the plain percentile interval. */
  expanded?: boolean;
}

function oriented(legacyMean: number, candidateMean: number, direction: MetricDirection): number {
  return direction === 'higher' ? legacyMean / candidateMean : candidateMean / legacyMean;
}

/**
 * Ratio of means with a percentile-bootstrap confidence interval.
 *
 * Paired (`legacy.length === candidate.length` and `paired` true): element i of both lists
 * was measured in the same ABBA round; resampling draws round indices, so each resample keeps
 * pairs together. Unpaired: each side is resampled on its own (a legacy stored at record
 * time against a live candidate).
 *
 * @param legacy legacy samples (one per round when paired), in the metric's unit.
 * @param candidate candidate samples, same unit.
 * @throws RangeError when a side is empty, when paired lists differ in length, or when a
 *   mean is not a positive finite number (a ratio of it means nothing).
 */
export function bootstrapRatio(legacy: readonly number[], candidate: readonly number[], paired: boolean, options: BootstrapOptions = {}): RatioEstimate {
  if (legacy.length === 0 || candidate.length === 0) throw new RangeError('bootstrapRatio: both sides need at least one sample');
  if (paired && legacy.length !== candidate.length) throw new RangeError(`bootstrapRatio: paired samples differ in length (${legacy.length} vs ${candidate.length})`);
  const direction = options.direction ?? 'lower';
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const resamples = Math.max(1, Math.floor(options.resamples ?? DEFAULT_RESAMPLES));
  const lm = mean(legacy);
  const cm = mean(candidate);
  if (!(lm > 0) || !(cm > 0) || !Number.isFinite(lm) || !Number.isFinite(cm)) {
    throw new RangeError(`bootstrapRatio: means must be positive and finite (legacy ${lm}, candidate ${cm})`);
  }
  const random = seededRandom(options.seed ?? DEFAULT_SEED);
  const draws = new Float64Array(resamples);
  const nl = legacy.length;
  const nc = candidate.length;
  for (let b = 0; b < resamples; b++) {
    let sl = 0;
    let sc = 0;
    if (paired) {
      for (let i = 0; i < nl; i++) {
        const k = Math.floor(random() * nl);
        sl += legacy[k];
        sc += candidate[k];
      }
      draws[b] = oriented(sl / nl, sc / nl, direction);
    } else {
      for (let i = 0; i < nl; i++) sl += legacy[Math.floor(random() * nl)];
      for (let i = 0; i < nc; i++) sc += candidate[Math.floor(random() * nc)];
      draws[b] = oriented(sl / nl, sc / nc, direction);
    }
  }
  const sorted = Array.from(draws).sort((a, b) => a - b);
  const n = paired ? nl : Math.min(nl, nc);
  const alpha = (options.expanded === false ? 1 - confidence : expandedAlpha(n, confidence)) / 2;
  return {
    ratio: oriented(lm, cm, direction),
    lower: quantile(sorted, alpha),
    upper: quantile(sorted, 1 - alpha),
    confidence,
    n: paired ? nl : Math.min(nl, nc),
    paired,
  };
}

/** Outcome of one gated metric. */
export type PerfVerdict = 'pass' | 'fail' | 'inconclusive';

/**
 * The equivalence verdict of an interval against a budget (a largest acceptable ratio, e.g.
 * 1.05 = at most 5% slower): `pass` when `upper ≤ budget`, `fail` when `lower > budget`,
 * `inconclusive` when the interval straddles the budget.
 */
export function verdictFor(estimate: Pick<RatioEstimate, 'lower' | 'upper'>, budget: number): PerfVerdict {
  if (estimate.upper <= budget) return 'pass';
  if (estimate.lower > budget) return 'fail';
  return 'inconclusive';
}

/** The worst of several verdicts: `fail` over `inconclusive` over `pass`. */
export function worstVerdict(verdicts: readonly PerfVerdict[]): PerfVerdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}
