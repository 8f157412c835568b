/**
 * Numeric tolerances (the `tolerance` normalizer), pytest-regressions' per-field absolute and
 * relative tolerances. Not a text transform: comparators ask `tolerancesFor` (in `index.ts`)
 * which tolerances are in scope for a channel or file, and decide closeness with
 * `withinTolerance` in `harness/compare/tolerance.ts` — the one definition of "close enough".
 */

/**
 * How far a candidate number may be from the legacy one and still count as equal.
 * Structurally the same as the comparators' `Tolerance` (`harness/compare/tolerance.ts`).
 *
 * A validated config always sets at least one of `absolute` and `relative`, and never both
 * `path` and `column`. With neither `path` nor `column` it applies to every number of the
 * content it is scoped to.
 */
export interface Tolerance {
  /** JSONPath of the numbers it applies to (JSON content), e.g. `$.items[*].price`. */
  path?: string;
  /** CSV header of the column it applies to (CSV content). */
  column?: string;
  /** Largest allowed absolute difference, in the numbers' own unit. */
  absolute?: number;
  /** Largest allowed difference relative to the numbers' magnitude (0.01 = 1 %). */
  relative?: number;
}
