'use strict';
// Money helpers. Prices have at most 4 decimals, so amounts are computed exactly in integer
// "units" of 1/10000 and only rounded once, to cents, at the end.

var UNITS_PER_CENT = 100;
var UNITS_PER_EURO = 10000;

// 2.675 -> 26750. Prices come from JSON numbers or from numeric(12,4) strings.
function priceToUnits(price) {
  return Math.round(parseFloat(price) * UNITS_PER_EURO);
}

// Rounds units to cents, half to even ("banker's rounding", as the old mainframe did):
// 26650 -> 266, 26750 -> 268, 26651 -> 267.
function unitsToCents(units) {
  var cents = Math.floor(units / UNITS_PER_CENT);
  var rest = units - cents * UNITS_PER_CENT;
  if (rest > 50) return cents + 1;
  if (rest < 50) return cents;
  return cents % 2 === 0 ? cents : cents + 1;
}

function centsToAmount(cents) {
  return Number(cents) / 100;
}

// Total of a list of {qty, price} in cents: the exact sum, rounded once.
function totalCents(items) {
  var units = 0;
  for (var i = 0; i < items.length; i++) {
    units += items[i].qty * priceToUnits(items[i].price);
  }
  return unitsToCents(units);
}

function lineCents(qty, price) {
  return unitsToCents(qty * priceToUnits(price));
}

module.exports = {
  priceToUnits: priceToUnits,
  unitsToCents: unitsToCents,
  centsToAmount: centsToAmount,
  totalCents: totalCents,
  lineCents: lineCents
};
