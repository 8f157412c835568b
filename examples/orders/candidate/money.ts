/**
 * Money. Prices have at most 4 decimals, so amounts are computed exactly in integer units of
 * 1/10000 of the currency and rounded once, to cents, at the end.
 */

const UNITS_PER_CENT = 100;
const UNITS_PER_MAJOR = 10_000;

/** A price (a JSON number, or a `numeric(12,4)` string from PostgreSQL) in units of 1/10000: 2.675 → 26750. */
export function priceToUnits(price: number | string): number {
  return Math.round(Number(price) * UNITS_PER_MAJOR);
}

/**
 * Rounds units of 1/10000 to cents, half away from zero: 26650 → 267, 26750 → 268.
 *
 * DIVERGENCE 1: the legacy rounds half to even (26650 → 266). Finance asked for commercial
 * rounding in the rewrite; see DIVERGENCES.md.
 */
export function unitsToCents(units: number): number {
  const sign = units < 0 ? -1 : 1;
  const abs = Math.abs(units);
  const cents = Math.floor(abs / UNITS_PER_CENT);
  return sign * (abs - cents * UNITS_PER_CENT >= 50 ? cents + 1 : cents);
}

/** Cents (a number, or a bigint column's string) as an amount: 1744 → 17.44. */
export function centsToAmount(cents: number | string): number {
  return Number(cents) / 100;
}

/** Total of some items in cents: their exact sum, rounded once. */
export function totalCents(items: ReadonlyArray<{ qty: number; price: number | string }>): number {
  let units = 0;
  for (const item of items) units += item.qty * priceToUnits(item.price);
  return unitsToCents(units);
}

/** One line's total in cents: `qty × price`, rounded. */
export function lineCents(qty: number, price: number | string): number {
  return unitsToCents(qty * priceToUnits(price));
}
