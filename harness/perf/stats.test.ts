import { describe, expect, it } from 'vitest';
import { bootstrapRatio, expandedAlpha, mean, normalCdf, normalQuantile, quantile, seededRandom, studentTQuantile, verdictFor, worstVerdict } from './stats.ts';

/** `n` samples around `center` with relative noise ±`spread` from a fixed seed. */
function noisy(n: number, center: number, spread: number, seed: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => center * (1 + (r() * 2 - 1) * spread));
}

describe('seededRandom', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const c = seededRandom(2);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});

describe('mean and quantile', () => {
  it('interpolates between closest ranks (type 7)', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6);
    expect(quantile([7], 0.99)).toBe(7);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });
});

describe('bootstrapRatio', () => {
  it('estimates a known ratio of means and brackets it', () => {
    const legacy = noisy(12, 100, 0.02, 11);
    const candidate = legacy.map((v, i) => v * 1.3 * (1 + ((i % 3) - 1) * 0.01));
    const e = bootstrapRatio(legacy, candidate, true);
    expect(e.ratio).toBeCloseTo(mean(candidate) / mean(legacy), 10);
    expect(e.ratio).toBeGreaterThan(1.28);
    expect(e.ratio).toBeLessThan(1.32);
    expect(e.lower).toBeLessThanOrEqual(e.ratio);
    expect(e.upper).toBeGreaterThanOrEqual(e.ratio);
    expect(e.lower).toBeGreaterThan(1.25);
    expect(e.confidence).toBe(0.9);
    expect(e.n).toBe(12);
  });

  it('is deterministic for a seed', () => {
    const l = noisy(8, 50, 0.1, 3);
    const c = noisy(8, 52, 0.1, 4);
    expect(bootstrapRatio(l, c, true, { seed: 42 })).toEqual(bootstrapRatio(l, c, true, { seed: 42 }));
    expect(bootstrapRatio(l, c, true, { seed: 42 }).lower).not.toBe(bootstrapRatio(l, c, true, { seed: 43 }).lower);
  });

  it('orients throughput so that a slower candidate gives a ratio above 1', () => {
    const l = noisy(10, 1000, 0.01, 5);
    const c = l.map((v) => v * 0.8);
    const e = bootstrapRatio(l, c, true, { direction: 'higher' });
    expect(e.ratio).toBeCloseTo(1.25, 10);
  });

  it('pairing cancels drift that both sides share', () => {
    // The machine slows down steadily: each round 10% slower than the one before.
    const drift = Array.from({ length: 10 }, (_, i) => 1 + 0.1 * i);
    const legacy = drift.map((d) => 100 * d);
    const candidate = drift.map((d, i) => 100 * d * (1 + (i % 2 ? 0.005 : -0.005)));
    const paired = bootstrapRatio(legacy, candidate, true);
    const unpaired = bootstrapRatio(legacy, candidate, false);
    expect(paired.upper - paired.lower).toBeLessThan(0.02);
    expect(unpaired.upper - unpaired.lower).toBeGreaterThan(0.1);
  });

  it('rejects inputs a ratio cannot be formed from', () => {
    expect(() => bootstrapRatio([], [1], false)).toThrow(RangeError);
    expect(() => bootstrapRatio([1, 2], [1], true)).toThrow(/differ in length/);
    expect(() => bootstrapRatio([0, 0], [1, 1], true)).toThrow(/positive/);
  });
});

describe('verdictFor', () => {
  it('passes when the upper bound is within the budget, the boundary included', () => {
    expect(verdictFor({ lower: 0.97, upper: 1.05 }, 1.05)).toBe('pass');
    expect(verdictFor({ lower: 0.9, upper: 1.0 }, 1.05)).toBe('pass');
  });
  it('fails only when the lower bound exceeds the budget', () => {
    expect(verdictFor({ lower: 1.0500001, upper: 1.2 }, 1.05)).toBe('fail');
    expect(verdictFor({ lower: 1.05, upper: 1.2 }, 1.05)).toBe('inconclusive');
  });
  it('is inconclusive when the interval straddles the budget', () => {
    expect(verdictFor({ lower: 1.01, upper: 1.0500001 }, 1.05)).toBe('inconclusive');
  });
  it('from synthetic samples: 1.00 passes, 1.05 is inconclusive, 1.20 fails', () => {
    const legacy = noisy(10, 100, 0.02, 21);
    const at = (k: number) => verdictFor(bootstrapRatio(legacy, legacy.map((v, i) => v * k * (1 + ((i % 5) - 2) * 0.004)), true), 1.05);
    expect(at(1.0)).toBe('pass');
    expect(at(1.05)).toBe('inconclusive');
    expect(at(1.2)).toBe('fail');
  });
  it('worstVerdict orders fail > inconclusive > pass', () => {
    expect(worstVerdict(['pass', 'inconclusive'])).toBe('inconclusive');
    expect(worstVerdict(['pass', 'fail', 'inconclusive'])).toBe('fail');
    expect(worstVerdict(['pass'])).toBe('pass');
  });
});

describe('small-sample expansion', () => {
  it('normal and t quantiles match tables', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.6449, 4);
    expect(normalCdf(1.6449)).toBeCloseTo(0.95, 4);
    expect(normalCdf(-1.96)).toBeCloseTo(0.025, 4);
    // t(0.95; df): 2.353 (3), 2.015 (5), 1.833 (9), 1.753 (15)
    expect(studentTQuantile(0.95, 3)).toBeCloseTo(2.353, 1);
    expect(studentTQuantile(0.95, 5)).toBeCloseTo(2.015, 2);
    expect(studentTQuantile(0.95, 9)).toBeCloseTo(1.833, 2);
    expect(studentTQuantile(0.95, 15)).toBeCloseTo(1.753, 2);
  });

  it('widens the interval most for the fewest rounds and tends to the plain one', () => {
    expect(expandedAlpha(4, 0.9)).toBeLessThan(0.02);
    expect(expandedAlpha(6, 0.9)).toBeLessThan(expandedAlpha(16, 0.9));
    expect(expandedAlpha(1000, 0.9)).toBeCloseTo(0.1, 2);
    const l = noisy(5, 100, 0.05, 8);
    const c = noisy(5, 100, 0.05, 9);
    const plain = bootstrapRatio(l, c, true, { expanded: false });
    const wide = bootstrapRatio(l, c, true);
    expect(wide.lower).toBeLessThan(plain.lower);
    expect(wide.upper).toBeGreaterThan(plain.upper);
  });
});
