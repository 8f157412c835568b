import { describe, expect, it } from 'vitest';
import { withinTolerance } from './tolerance.ts';

describe('withinTolerance', () => {
  it('is inclusive at the absolute edge despite binary rounding', () => {
    expect(withinTolerance(1.0, 1.1, { absolute: 0.1 })).toBe(true);
    expect(withinTolerance(0.2, 0.3, { absolute: 0.1 })).toBe(true);
    expect(withinTolerance(1.0, 1.1, { absolute: 0.0999 })).toBe(false);
    expect(withinTolerance(1e6, 1e6 + 0.5, { absolute: 0.5 })).toBe(true);
    expect(withinTolerance(1e6, 1e6 + 0.51, { absolute: 0.5 })).toBe(false);
  });

  it('takes the relative bound against the larger magnitude, symmetric', () => {
    expect(withinTolerance(100, 110, { relative: 0.1 })).toBe(true); // 10 <= 0.1 × 110
    expect(withinTolerance(110, 100, { relative: 0.1 })).toBe(true);
    expect(withinTolerance(100, 112, { relative: 0.1 })).toBe(false);
    expect(withinTolerance(-100, -110, { relative: 0.1 })).toBe(true);
  });

  it('passes when either bound is satisfied', () => {
    expect(withinTolerance(0, 0.001, { relative: 0.01, absolute: 0.01 })).toBe(true);
    expect(withinTolerance(0, 0.001, { relative: 0.01 })).toBe(false);
  });

  it('handles equal numbers, no bounds and non-finite values', () => {
    expect(withinTolerance(3, 3, {})).toBe(true);
    expect(withinTolerance(3, 3.1, {})).toBe(false);
    expect(withinTolerance(Infinity, Infinity, { absolute: 1 })).toBe(true);
    expect(withinTolerance(Infinity, 1e308, { relative: 1 })).toBe(false);
    expect(withinTolerance(NaN, NaN, { absolute: 1 })).toBe(false);
  });
});
