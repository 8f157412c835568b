/**
 * Numeric tolerances (pytest-regressions' per-field absolute and relative tolerances): two
 * numbers within the tolerance of their field count as equal.
 */

/**
 * A numeric tolerance for one field. Declared here structurally identical to the config's
 * tolerance type, so the comparators depend on no config code.
 *
 * - `path` (JSONPath, e.g. `'$.items[*].price'`) scopes it to JSON/YAML values;
 * - `column` (a CSV header name) scopes it to CSV cells;
 * - with neither, it applies to every number the comparator sees.
 *
 * Two numbers a, b are equal when `|a − b| <= absolute` OR `|a − b| <= relative × max(|a|, |b|)`.
 */
export interface Tolerance {
  path?: string;
  column?: string;
  absolute?: number;
  relative?: number;
}

/**
 * True when `a` and `b` are equal within tolerance `t` (inclusive at the edge).
 *
 * Decimal fractions are not exact in binary (`1.1 − 1.0` is `0.10000000000000009`), so the
 * edge gets a slack of a few units in the last place of the larger magnitude: 1.1 vs 1.0 with
 * `absolute: 0.1` is equal, with `absolute: 0.0999` it is not. NaN equals nothing; equal
 * infinities are equal.
 */
export function withinTolerance(a: number, b: number, t: Tolerance): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const delta = Math.abs(a - b);
  const magnitude = Math.max(Math.abs(a), Math.abs(b));
  const slack = 4 * Number.EPSILON * Math.max(magnitude, Math.abs(t.absolute ?? 0));
  if (t.absolute !== undefined && delta <= t.absolute + slack) return true;
  if (t.relative !== undefined && delta <= t.relative * magnitude + slack) return true;
  return false;
}

/** True when any of the tolerances makes `a` and `b` equal. */
export function withinAnyTolerance(a: number, b: number, tolerances: readonly Tolerance[]): boolean {
  return tolerances.some((t) => withinTolerance(a, b, t));
}
